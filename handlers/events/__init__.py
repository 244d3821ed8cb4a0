"""Meetings and exposure visits: the /newmeeting and /newvisit wizards, RSVP and Register
presses, /events and /myevents, the .ics file, changes and cancellation, /attendance, and the
events part of /deliveries."""
