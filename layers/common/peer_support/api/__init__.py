"""HTTP edges: the API Gateway resolver, form decoding, and the routes of each API function."""
