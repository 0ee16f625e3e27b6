{{%AUTOESCAPE context="HTML"}}<h1>Register</h1>
{{#FORM_ERROR}}<p class="form-error" role="alert">{{MESSAGE}}</p>{{/FORM_ERROR}}
<form method="post" class="stacked-form">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<p>
<label for="username">Username</label>
<input type="text" id="username" name="username" value="{{USERNAME_VALUE}}" maxlength="64" autocomplete="username" required{{#USERNAME_AUTOFOCUS}} autofocus{{/USERNAME_AUTOFOCUS}}{{#USERNAME_ERROR}} aria-invalid="true" aria-describedby="username-error"{{/USERNAME_ERROR}}>
{{#USERNAME_ERROR}}<span class="field-error" id="username-error">{{MESSAGE}}</span>{{/USERNAME_ERROR}}
</p>
<p>
<label for="email">Email</label>
<input type="email" id="email" name="email" value="{{EMAIL_VALUE}}" maxlength="120" autocomplete="email" required{{#EMAIL_AUTOFOCUS}} autofocus{{/EMAIL_AUTOFOCUS}}{{#EMAIL_ERROR}} aria-invalid="true" aria-describedby="email-error"{{/EMAIL_ERROR}}>
{{#EMAIL_ERROR}}<span class="field-error" id="email-error">{{MESSAGE}}</span>{{/EMAIL_ERROR}}
</p>
<p>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="new-password" required{{#PASSWORD_AUTOFOCUS}} autofocus{{/PASSWORD_AUTOFOCUS}}{{#PASSWORD_ERROR}} aria-invalid="true" aria-describedby="password-error"{{/PASSWORD_ERROR}}>
{{#PASSWORD_ERROR}}<span class="field-error" id="password-error">{{MESSAGE}}</span>{{/PASSWORD_ERROR}}
</p>
<p>
<label for="password2">Repeat Password</label>
<input type="password" id="password2" name="password2" autocomplete="new-password" required{{#PASSWORD2_AUTOFOCUS}} autofocus{{/PASSWORD2_AUTOFOCUS}}{{#PASSWORD2_ERROR}} aria-invalid="true" aria-describedby="password2-error"{{/PASSWORD2_ERROR}}>
{{#PASSWORD2_ERROR}}<span class="field-error" id="password2-error">{{MESSAGE}}</span>{{/PASSWORD2_ERROR}}
</p>
<p class="checkbox show-password" hidden>
<input type="checkbox" id="show_password" data-shows="password password2">
<label for="show_password">Show password</label>
</p>
<p><input type="submit" name="submit" value="Register"></p>
</form>
<script src="/static/show-password.js" defer></script>
