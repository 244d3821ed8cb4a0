"""People: registration (onboarding), the main menu and /help, /language, /profile, and
privacy (/privacy notice, /forget, consent)."""
