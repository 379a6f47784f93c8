"""The webhooks and their request lifecycle: signatures, log lines, metrics, the caps on
texts, and the voice views. Builds on ivr.content, ivr.voice and sms's renderers."""
