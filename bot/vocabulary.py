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

# Networks and linkages (issue 19): the stored keys of bot/storage/networks.py, shown
# translated by the chat, the report and the cluster map. Each fits a WhatsApp list row.
NETWORK_KINDS: dict[str, str] = {
    "shg": NC_("network", "SHG"),
    "producer_group": NC_("network", "Producer group"),
    "consortium": NC_("network", "Consortium"),
    "association": NC_("network", "Association"),
    "credit_group": NC_("network", "Credit group"),
    "cooperative": NC_("network", "Cooperative"),
    "other": NC_("network", "Other"),
}
NETWORK_ORIGINS: dict[str, str] = {
    "formed": NC_("network", "Formed now"),
    "revived": NC_("network", "Revived"),
    "existing": NC_("network", "Existed before"),
}
# Read with the source first: "<from> buys from <to>".
LINKAGE_KINDS: dict[str, str] = {
    "buys_from": NC_("linkage", "buys from"),
    "sells_to": NC_("linkage", "sells to"),
    "supplies": NC_("linkage", "supplies"),
    "trains": NC_("linkage", "trains"),
    "lends_to": NC_("linkage", "lends to"),
    "advises": NC_("linkage", "advises"),
}
