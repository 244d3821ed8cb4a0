"""Work that runs at a time, not on a message: the APScheduler wiring rebuilt from the
database at start (scheduler.py), event reminders, scheduled broadcasts (broadcasts.py),
the daily housekeeping and the retention erasure."""
