{{%AUTOESCAPE context="HTML"}}<h1>Two-Factor Settings</h1>
{{#NEW_CODES}}<section class="recovery-codes" aria-labelledby="recovery-codes-heading">
<h2 id="recovery-codes-heading">Your recovery codes</h2>
<p>Keep these somewhere safe. Each one signs you in once if you lose your phone. They are shown only now.</p>
<ul id="recovery-codes">
{{#CODE}}<li><code>{{VALUE}}</code></li>
{{/CODE}}</ul>
<form method="post" action="/account/two-factor">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="hidden" name="codes" value="{{ALL_CODES}}">
<p><button type="submit" name="action" value="download" class="secondary" id="download-recovery-codes">Download the codes as a text file</button></p>
</form>
</section>{{/NEW_CODES}}
{{#OFF}}<p>Two-factor sign-in is <strong>off</strong>. With it on, signing in also asks for a code from an authenticator app on your phone, so a stolen password alone is not enough.</p>
<form method="post" action="/account/two-factor">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<p><button type="submit" name="action" value="setup">Set up two-factor sign-in</button></p>
</form>{{/OFF}}
{{#SETUP}}<p>Scan this code with your authenticator app, or type the key below into it. Then enter the 6-digit code the app shows.</p>
<svg class="qr-code" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{QR_SIZE}} {{QR_SIZE}}" width="200" height="200" role="img" aria-label="QR code for your authenticator app"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="{{QR_PATH}}"/></svg>
<p>Key: <code id="totp-secret">{{SECRET}}</code></p>
<form method="post" action="/account/two-factor" class="stacked-form">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<p>
<label for="code">Code from the app</label>
<input type="text" id="code" name="code" maxlength="64" autocomplete="one-time-code" required{{#CODE_AUTOFOCUS}} autofocus{{/CODE_AUTOFOCUS}}{{#CODE_ERROR}} aria-invalid="true" aria-describedby="code-error"{{/CODE_ERROR}}>
{{#CODE_ERROR}}<span class="field-error" id="code-error">{{MESSAGE}}</span>{{/CODE_ERROR}}
</p>
<p><button type="submit" name="action" value="enable">Enable</button></p>
</form>{{/SETUP}}
{{#ON}}<p>Two-factor sign-in is <strong>on</strong>. You have {{CODES_LEFT}} unused recovery codes.</p>
<form method="post" action="/account/two-factor">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<p><button type="submit" name="action" value="new_codes" class="secondary">New recovery codes</button></p>
</form>
<h2>Turn it off</h2>
<form method="post" action="/account/two-factor" class="stacked-form">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<p>
<label for="code">Code from the app, or a recovery code</label>
<input type="text" id="code" name="code" maxlength="64" autocomplete="one-time-code" required{{#CODE_AUTOFOCUS}} autofocus{{/CODE_AUTOFOCUS}}{{#CODE_ERROR}} aria-invalid="true" aria-describedby="code-error"{{/CODE_ERROR}}>
{{#CODE_ERROR}}<span class="field-error" id="code-error">{{MESSAGE}}</span>{{/CODE_ERROR}}
</p>
<p><button type="submit" name="action" value="disable">Turn off two-factor sign-in</button></p>
</form>{{/ON}}
<p><a href="/account">Back to your account</a></p>
