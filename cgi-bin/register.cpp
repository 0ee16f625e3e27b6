// /register: the registration form (GET) and creating an account (POST).
#include "core/accounts/account_rules.h"
#include "core/http/form.h"
#include "core/server/server.h"

using namespace microblog;

namespace {

using Site = AppWith<kNeedsPasswordPolicy>;

const std::initializer_list<std::string> kFields = {"username", "email", "password", "password2"};

Response show_form(const Request& request, App& app, const Form* form, int status = 200,
                   const std::string& form_error = "") {
    Page page = app.page();
    show_form_state(page.content(), form, {"username", "email"}, kFields);
    return app.render_form(request, status, page, form_error);
}

void validate(Form& form, Site& app) {
    check_new_names(form, app.users());
    check_new_password(form, app.password_policy());
}

Response create_account(const Request& request, Site& app) {
    Form form = request.form();
    validate(form, app);
    if (!form.valid())
        return show_form(request, app, &form);
    try {
        app.users().create(form.value("username"), form.value("email"),
                           app.passwords().hash(form.value("password")));
    } catch (const DuplicateKey& e) {
        // Another registration took the name or address between our check and the insert.
        if (e.key() == "users_email_key") {
            form.add_error("email", "Please use a different email address.");
        } else {
            form.add_error("username", "Please use a different username.");
        }
        return show_form(request, app, &form);
    }
    return app.redirect_with_flash("/login", "Congratulations, you are now a registered user!");
}

Response register_page(const Request& request, Site& app) {
    if (request.method() == "POST")
        return create_account(request, app);
    return show_form(request, app, nullptr);
}

Response expired_form(const Request& request, App& app) {
    return show_form(request, app, &request.form(), 400,
                     "This form has expired. Please submit it again.");
}

}  // namespace

int main(int argc, char** argv) {
    return serve<Site>(argc, argv,
                       {
                           .name = "register",
                           .paths = {"/register"},
                           .methods = {"GET", "HEAD", "POST"},
                           .audience = Audience::kVisitors,
                           .rate_limit = "microblog_register",
                           .page = {"Register", "register.tpl"},
                           .fields = {kUsernameRule, kEmailRule, kPasswordRule, kPassword2Rule},
                           .handle = register_page,
                           .expired_form = expired_form,
                       });
}
