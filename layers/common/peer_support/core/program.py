"""What is specific to this program, in one place: where it runs, whose holidays it keeps, whom it
serves, how its references read and when its group meets. A second program changes this module."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

# Every deadline, date and time a person reads is in the program's own time zone.
TIME_ZONE = ZoneInfo("America/Vancouver")
# Statutory holidays skipped by business days (the `holidays` package's country and subdivision).
HOLIDAY_COUNTRY = "CA"
HOLIDAY_SUBDIVISION = "BC"
# Office hours: a business-day deadline falls at the close of its day, reminders come within these hours.
OFFICE_OPENS = time(9, 0)
OFFICE_CLOSES = time(17, 0)
# Urgent hours: an urgent request's contact deadline runs between these times, on every day of the week.
URGENT_HOURS_OPEN = time(8, 0)
URGENT_HOURS_CLOSE = time(20, 0)

# How references read: `PS-7K3M-9QXD` for a request, `GR-7K3M-9QXD` for a group registration.
REQUEST_PREFIX = "PS"
GROUP_PREFIX = "GR"

# The BIPOC Physician Peer Support Group meets weekly (Monday = 0), and its registrants are reminded at
# noon on the day.
GROUP_WEEKDAY = 0
GROUP_STARTS = time(19, 15)
GROUP_ENDS = time(20, 30)
GROUP_REMINDER_AT = time(12, 0)

# The administrators' weekly view of their supporters: Mondays (0) from 08:00, and a supporter's training
# reminder comes this many days before their `trained_until`.
SUPPORTERS_DIGEST_WEEKDAY = 0
SUPPORTERS_DIGEST_AT = time(8, 0)
TRAINING_REMINDER_DAYS = 30
