"""Citizen reports: anonymous submission, link de-duplication, status and answers, statistics.

The bot and the web form are front doors over these functions; nothing here knows who a
reporter is beyond an HMAC pseudonym.
"""
