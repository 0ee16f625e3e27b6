{{%AUTOESCAPE context="HTML"}}<h1>Reset Password</h1>
{{#FORM_ERROR}}<p class="form-error" role="alert">{{MESSAGE}}</p>{{/FORM_ERROR}}
<form method="post" class="stacked-form">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<p>
<label for="email">Email</label>
<input type="email" id="email" name="email" value="{{EMAIL_VALUE}}" maxlength="120" autocomplete="email" required{{#EMAIL_AUTOFOCUS}} autofocus{{/EMAIL_AUTOFOCUS}}{{#EMAIL_ERROR}} aria-invalid="true" aria-describedby="email-error"{{/EMAIL_ERROR}}>
{{#EMAIL_ERROR}}<span class="field-error" id="email-error">{{MESSAGE}}</span>{{/EMAIL_ERROR}}
</p>
<p><input type="submit" name="submit" value="Request Password Reset"></p>
</form>
