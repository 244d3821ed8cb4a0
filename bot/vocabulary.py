"""The stored role and gender keys and their labels: the one table the conversations
(handlers/) and the reports (bot/reports/) both read, so a new role cannot be offered at
onboarding yet missing from the reports, or the other way round.

It lives in bot/ rather than handlers/ because bot/reports must not import the handlers
package (its __init__ imports the /report handler, which imports the reports).
"""

from __future__ import annotations

from bot.i18n import N_, NC_

# The cluster actors of SPEC §1, stored by key, shown translated, in the order offered.
ROLES: dict[str, str] = {
    "artisan": N_("Artisan"),
    "entrepreneur": N_("MSME entrepreneur"),
    "shg_member": N_("SHG member"),
    "supplier": N_("Supplier / related enterprise"),
    "bds_provider": N_("Service (BDS) provider"),
    "institute": N_("Training or research institute"),
    "association": N_("Industry association"),
    "large_enterprise": N_("Large enterprise"),
    "bank": N_("Bank / financial institution"),
    "ngo": N_("NGO"),
    "government": N_("Government official"),
}

GENDERS: dict[str, str] = {
    "female": N_("Woman"),
    "male": N_("Man"),
    "other": NC_("gender", "Other"),
    "undisclosed": N_("Prefer not to say"),
}
