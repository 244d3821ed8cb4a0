"""M&E reports (issue 7): indicators in one module, and renderers that only render them."""
