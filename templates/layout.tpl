{{%AUTOESCAPE context="HTML"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}} - Microblog</title>
<link rel="stylesheet" href="/static/style.css">
<link rel="icon" href="/favicon.ico">
</head>
<body>
<header class="site-header">
<nav aria-label="Site">
<span class="brand">Microblog:</span>
<a href="/index">Home</a>
{{#VISITOR}}<a href="/login">Login</a>{{/VISITOR}}
{{#SIGNED_IN}}<a href="/account">Account</a>
<form class="nav-form" method="post" action="/logout">
<input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
<button type="submit" class="link-button">Logout</button>
</form>{{/SIGNED_IN}}
</nav>
</header>
<main>
{{#FLASHES}}<ul class="flashes" role="status">
{{#FLASH}}<li>{{MESSAGE}}</li>
{{/FLASH}}</ul>{{/FLASHES}}
{{>CONTENT}}
</main>
</body>
</html>
