{{%AUTOESCAPE context="HTML"}}{{#FORM}}<h1>Reset Your Password</h1>
{{#FORM_ERROR}}<p class="form-error" role="alert">{{MESSAGE}}</p>{{/FORM_ERROR}}
<form method="post" class="stacked-form">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<input type="text" name="username" value="{{USERNAME}}" autocomplete="username" hidden>
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
<label for="show_password">Show passwords</label>
</p>
<p><input type="submit" name="submit" value="Reset Password"></p>
</form>
<script src="/static/show-password.js" defer></script>{{/FORM}}{{#INVALID}}<h1>Reset Your Password</h1>
<p>This password reset link is invalid or has expired.</p>
<p><a href="/reset_password_request">Ask for a new link</a></p>{{/INVALID}}
