{{%AUTOESCAPE context="HTML"}}<h1>Confirm Your Password</h1>
{{#FORM_ERROR}}<p class="form-error" role="alert">{{MESSAGE}}</p>{{/FORM_ERROR}}
<p>This page changes how your account is protected. Please enter your password to continue.</p>
<form method="post" class="stacked-form">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="text" name="username" value="{{USERNAME}}" autocomplete="username" hidden>
<p>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required{{#PASSWORD_AUTOFOCUS}} autofocus{{/PASSWORD_AUTOFOCUS}}{{#PASSWORD_ERROR}} aria-invalid="true" aria-describedby="password-error"{{/PASSWORD_ERROR}}>
{{#PASSWORD_ERROR}}<span class="field-error" id="password-error">{{MESSAGE}}</span>{{/PASSWORD_ERROR}}
</p>
<p class="checkbox show-password" hidden>
<input type="checkbox" id="show_password" data-shows="password">
<label for="show_password">Show password</label>
</p>
<p><input type="submit" name="submit" value="Confirm"></p>
</form>
<script src="/static/show-password.js" defer></script>
