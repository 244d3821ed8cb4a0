"""What people type, read once: numbers, money, dates, times and reminder offsets.

Every flow that takes one of these (the survey runner, the CDA wizards, the spreadsheet
imports) calls these functions, so the same typed text means the same thing everywhere:
`2.5 lakh`, `₹2,50,000`, `२,५०,०००` and `250 వేలు` are one amount; `25-12-2026`,
`25 दिसंबर 2026` and `25 డిసెంబర్ 2026` are one date. Nothing here knows about chats,
translations or storage.
"""
