"""gettext catalogues (one folder per language) and the shipped survey forms."""
