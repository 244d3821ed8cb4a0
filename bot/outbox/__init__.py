"""The durable outbox of every message the bot starts: the queue and fan-out (queue.py),
the per-channel sender that drains it (sender.py), what happens after an attempt
(retry.py, pure) and the rate limiter (ratelimit.py). Its SQL is bot/storage/outbox.py."""
