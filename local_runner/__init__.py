"""The local stack: moto in server mode, the template's own resources, API Gateway, stream and
schedule emulation, so the whole system runs on one machine (`make run`)."""
