{{%AUTOESCAPE context="HTML"}}<h1>Sign In</h1>
{{#FORM_ERROR}}<p class="form-error" role="alert">{{MESSAGE}}</p>{{/FORM_ERROR}}
<form method="post" class="stacked-form">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<p>
<label for="username">Username</label>
<input type="text" id="username" name="username" value="{{USERNAME_VALUE}}" maxlength="64" autocomplete="username" required{{#USERNAME_AUTOFOCUS}} autofocus{{/USERNAME_AUTOFOCUS}}{{#USERNAME_ERROR}} aria-invalid="true" aria-describedby="username-error"{{/USERNAME_ERROR}}>
{{#USERNAME_ERROR}}<span class="field-error" id="username-error">{{MESSAGE}}</span>{{/USERNAME_ERROR}}
</p>
<p>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required{{#PASSWORD_AUTOFOCUS}} autofocus{{/PASSWORD_AUTOFOCUS}}{{#PASSWORD_ERROR}} aria-invalid="true" aria-describedby="password-error"{{/PASSWORD_ERROR}}>
{{#PASSWORD_ERROR}}<span class="field-error" id="password-error">{{MESSAGE}}</span>{{/PASSWORD_ERROR}}
</p>
<p class="checkbox show-password" hidden>
<input type="checkbox" id="show_password" data-shows="password">
<label for="show_password">Show password</label>
</p>
<p class="checkbox">
<input type="checkbox" id="remember_me" name="remember_me" value="y"{{#REMEMBER_ME_CHECKED}} checked{{/REMEMBER_ME_CHECKED}}>
<label for="remember_me">Remember Me</label>
</p>
<p><input type="submit" name="submit" value="Sign In"></p>
</form>
{{#PASSKEYS}}<form id="passkey-sign-in" class="passkey-form" data-origin="{{WEBAUTHN_ORIGIN}}" hidden>
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<p class="form-error passkey-error" role="alert" hidden></p>
<p><button type="submit" class="secondary">Sign in with a passkey</button></p>
</form>
<p class="passkey-elsewhere" hidden>Passkeys work on this site at <a href="{{WEBAUTHN_ORIGIN}}/login">{{WEBAUTHN_ORIGIN}}</a>.</p>
<script src="/static/passkeys.js" defer></script>{{/PASSKEYS}}
<p>New User? <a href="/register">Click to Register!</a></p>
<p>Forgot Your Password? <a href="/reset_password_request">Click to Reset It</a>.</p>
<script src="/static/show-password.js" defer></script>
