{{%AUTOESCAPE context="HTML"}}<h1>Hi, {{USERNAME}}!</h1>
{{#POST}}<div class="post"><p><span class="author">{{AUTHOR}}</span> says: <b>{{BODY}}</b></p></div>
{{/POST}}
