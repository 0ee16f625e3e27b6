{{%AUTOESCAPE context="HTML"}}<h1>Passkeys</h1>
{{#PASSKEYS_OFF}}<p>Passkeys are not set up on this site.</p>{{/PASSKEYS_OFF}}
{{#PASSKEYS_ON}}<p>A passkey signs you in with this device's screen lock or a security key instead of your password.</p>
{{#NO_PASSKEYS}}<p id="no-passkeys">You have no passkeys yet.</p>{{/NO_PASSKEYS}}
<ul class="passkeys">
{{#PASSKEY}}<li class="passkey" id="passkey-{{ID}}">
<p class="passkey-name"><strong>{{NAME}}</strong></p>
<dl class="facts">
<dt>Added</dt><dd>{{CREATED_AT}} UTC</dd>
<dt>Last used</dt><dd class="passkey-last-used">{{LAST_USED_AT}}</dd>
</dl>
<form method="post" action="/account/passkeys">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="passkey" value="{{ID}}">
<button type="submit" name="action" value="remove" class="secondary">Remove</button>
</form>
</li>
{{/PASSKEY}}</ul>
<h2>Add a passkey</h2>
<noscript><p>Adding a passkey needs JavaScript.</p></noscript>
<form id="passkey-add" class="stacked-form" data-origin="{{WEBAUTHN_ORIGIN}}" hidden>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<p>
<label for="passkey-name">Name</label>
<input type="text" id="passkey-name" name="name" maxlength="64" required placeholder="e.g. My laptop">
</p>
<p class="form-error passkey-error" role="alert" hidden></p>
<p><button type="submit">Add a passkey</button></p>
</form>
<p class="passkey-unsupported" hidden>This browser cannot make passkeys.</p>
<p class="passkey-elsewhere" hidden>Passkeys work on this site at <a href="{{WEBAUTHN_ORIGIN}}/account/passkeys">{{WEBAUTHN_ORIGIN}}</a>.</p>
<script src="/static/passkeys.js" defer></script>{{/PASSKEYS_ON}}
<p><a href="/account">Back to your account</a></p>
