"""Which Twilio <Say> voice speaks which language (Twilio's voice list:
https://www.twilio.com/docs/voice/twiml/say/text-speech).

A voice that does not match the <Say> language can make Twilio fail the <Say>, so the
validator checks each language's voice against this list.
"""

from __future__ import annotations

# Amazon Polly voice name -> the <Say> language it speaks.
POLLY: dict[str, str] = {
    **dict.fromkeys(("Lotte", "Ruben", "Laura"), "nl-NL"),
    **dict.fromkeys(("Amy", "Brian", "Emma", "Arthur"), "en-GB"),
    **dict.fromkeys(("Ewa", "Maja", "Jacek", "Jan", "Ola"), "pl-PL"),
    "Carmen": "ro-RO",
    **dict.fromkeys(("Tatyana", "Maxim"), "ru-RU"),
    **dict.fromkeys(("Lea", "Celine", "Mathieu", "Remi"), "fr-FR"),
    **dict.fromkeys(("Lucia", "Conchita", "Enrique", "Sergio"), "es-ES"),
    "Zeina": "arb",
    **dict.fromkeys(("Hala", "Zayd"), "ar-AE"),
}


def voice_problem(voice: str, say_language: str) -> str | None:
    """Why this voice cannot speak this language, or None when it can (or is not known)."""
    if voice.startswith("Google."):
        # Google voice names carry their locale: Google.nl-NL-Standard-A.
        if not voice[len("Google."):].startswith(f"{say_language}-"):
            return f"'{voice}' does not speak '{say_language}'"
        return None
    if voice.startswith("Polly."):
        name = voice[len("Polly."):].removesuffix("-Neural").removesuffix("-Generative")
        spoken = POLLY.get(name)
        if spoken is None:
            return f"'{voice}' is not a Polly voice this line knows; see Twilio's voice list"
        if spoken != say_language:
            return f"'{voice}' speaks '{spoken}', not '{say_language}'"
        return None
    return f"'{voice}' is not a Polly. or Google. voice name"
