"""The line as gunicorn serves it in tests/test_caps.py, with a fake Twilio REST API: the
caps are counted for real, no text leaves the machine."""

from __future__ import annotations

from app import create_app

from .helpers import MENUS_PATH, FakeTwilio

app = create_app({"MENUS_PATH": str(MENUS_PATH), "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
                  "TWILIO_HTTP_CLIENT": FakeTwilio()})
