"""The action plan: /activity (menu, pages, one activity, status), adding an activity (a
wizard), progress notes (optionally published), and its words (categories, statuses, money)."""
