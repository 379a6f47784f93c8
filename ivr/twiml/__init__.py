"""What every answer is made of, below both renderers: TwiML written fast
(serialise) and the events an answer stands for (events)."""
