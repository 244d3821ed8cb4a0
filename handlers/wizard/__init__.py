"""One step type for every multi-step CDA flow (/newmeeting, /newvisit, adding an activity).

A wizard is data: a flow, a button prefix, an ordered tuple of fields, a preview and a
finish. Each field asks its question, reads what was sent (through `bot.parse`, so typed
text means the same in every flow), checks it against the rest of the draft and stores it.
The walker goes field by field; after the last one the preview offers
**Send / Change a field / Cancel**. "Change a field" lists the fields; after one is retyped
the walker comes back to the preview (first asking any field that the change made
necessary, or whose cross-field check no longer holds, e.g. an end now before the start).

    start -> cluster* -> field 1 -> ... -> field n -> preview -> send -> finish
                                                       |  ^    -> cancel
                                               change -> field k
                                                          (* only for a CDA of several clusters)

The draft lives in the conversation data under "draft" (the cluster under "cluster"), so a
restart resumes at the same step. Nothing is written before Send.
"""

from handlers.wizard.clusters import (
    cluster_choices,
    managed_clusters,
    start_in_a_cluster,
    take_cluster,
)
from handlers.wizard.fields import (
    Count,
    Day,
    Draft,
    Field,
    Money,
    Offsets,
    Pick,
    Roles,
    Stay,
    Text,
    When,
    ask_roles,
    press_role,
    role_choices,
)
from handlers.wizard.reading import (
    cluster_of,
    read_text,
    read_when,
    show_moment,
    today,
    typed,
    when_prompt,
    zone_of,
)
from handlers.wizard.walker import Wizard

__all__ = [
    "Count", "Day", "Draft", "Field", "Money", "Offsets", "Pick", "Roles", "Stay", "Text",
    "When", "Wizard", "ask_roles", "cluster_choices", "cluster_of", "managed_clusters",
    "press_role", "read_text", "read_when", "role_choices", "show_moment", "start_in_a_cluster",
    "take_cluster", "today", "typed", "when_prompt", "zone_of",
]  # fmt: skip
