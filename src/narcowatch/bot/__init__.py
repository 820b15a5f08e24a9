"""The citizen-reporting Telegram bot (aiogram 3): dialogue, keyboards, exactly-once engine."""
