"""Surveys by chat: answering (/survey, /back, /skip, /cancel), how a question is shown
(render), and the CDA's /results and /export."""
