{{! Plain text, not HTML: ctemplate has no plain-text context, so this template has no
AUTOESCAPE pragma (manual mode) and each value says :none, kept as it is. An HTML escape would
show "&amp;" and "&#39;" in the mail, and none of these values can do harm in text: the link is
site_url and base64url, the name passed the registration rules. }}Dear {{USERNAME:none}},

To reset your password click on the following link:

{{LINK:none}}

The link works once, for {{MINUTES:none}} minutes.

If you have not requested a password reset simply ignore this message: your password stays as it is.

Sincerely,

The Microblog Team
