"""SQLite storage: one writer, numbered migrations, thin repositories per table family."""
