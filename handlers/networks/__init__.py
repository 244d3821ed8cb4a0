"""Networks and linkages in the chat (issue 19): /networks for CDAs (screens.py, the new
network and linkage wizards), /mynetworks and the invitation buttons for members, and the
contact person's updates to their network (members.py)."""

from handlers.networks import linkage, members, new, screens, standing

__all__ = ["linkage", "members", "new", "screens", "standing"]
