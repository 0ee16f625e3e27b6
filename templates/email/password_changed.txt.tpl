{{! Plain text, not HTML: no AUTOESCAPE pragma (manual mode) and :none on each value, as in
reset_password.txt.tpl. No secret goes in this mail. }}Dear {{USERNAME:none}},

The password of your Microblog account was changed with a reset link sent to this address.

When: {{WHEN:none}} (UTC)
From: {{ADDRESS:none}}, {{BROWSER:none}}

Every session of your account has been signed out.

If this was not you, ask for a new reset link at once at {{RESET_REQUEST_URL:none}}, and check
that nobody else can read your email.

Sincerely,

The Microblog Team
