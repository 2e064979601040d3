package main

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseForms(t *testing.T) {
	tests := []struct {
		name string
		page string
		want []form
	}{
		{
			name: "persona forms and a free login form",
			page: `<div class="persona"><form method="post" action="/api/v2/interaction/u1/login"><input type="hidden" name="login" value="angela"><input type="hidden" name="password" value="123"><button type="submit" name="persona" value="angela">angela</button></form></div>
<form method="post" action="/api/v2/interaction/u1/login" id="login-form"><input id="login" name="login" value=""><input id="password" name="password" type="password"><p><button type="submit">Se connecter</button></p></form>`,
			want: []form{
				{action: "/api/v2/interaction/u1/login", method: "POST", fields: url.Values{"login": {"angela"}, "password": {"123"}}, buttons: []button{{"persona", "angela"}}},
				{id: "login-form", action: "/api/v2/interaction/u1/login", method: "POST", fields: url.Values{"login": {""}, "password": {""}}, buttons: []button{{"", ""}}},
			},
		},
		{
			name: "hidden id, no method given, unnamed inputs and non-submit buttons left out",
			page: `<form action="/login/username"><input type="hidden" name="id" value="abc"><input name="username"><input value="no name"><input type="checkbox" name="remember" value="1"><button type="button" name="show">show</button><input type="submit" name="go" value="Login"></form>`,
			want: []form{
				{action: "/login/username", method: "GET", fields: url.Values{"id": {"abc"}, "username": {""}}, buttons: []button{{"go", "Login"}}},
			},
		},
		{
			name: "an unclosed form is kept, inputs outside forms are not",
			page: `<input name="outside"><form method="POST" action="a"><input name="x" value="1">`,
			want: []form{{action: "a", method: "POST", fields: url.Values{"x": {"1"}}}},
		},
		{name: "no form", page: `<p>nothing</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseForms([]byte(tt.page))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseForms =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestAdapters(t *testing.T) {
	issuer, _ := url.Parse("http://127.0.0.1:9998/")
	persona := func(login string) form {
		return form{action: "/login", method: "POST", fields: url.Values{"login": {login}, "password": {"123"}}, buttons: []button{{"persona", login}}}
	}
	zitadelForm := form{action: "/login/username", method: "POST", fields: url.Values{"id": {"req1"}, "username": {""}, "password": {""}}}
	tests := []struct {
		adapter, login, password string
		forms                    []form
		want                     url.Values
		wantErr                  string
	}{
		{adapter: "franceconnect", login: "angela", forms: []form{persona("jeanne"), persona("angela")},
			want: url.Values{"login": {"angela"}, "password": {"123"}, "persona": {"angela"}}},
		{adapter: "franceconnect", login: "nobody", forms: []form{persona("angela")}, wantErr: `no persona "nobody"`},
		{adapter: "zitadel", login: "test-user@127.0.0.1", password: "verysecure", forms: []form{{action: "/other", fields: url.Values{"q": {""}}}, zitadelForm},
			want: url.Values{"id": {"req1"}, "username": {"test-user@127.0.0.1"}, "password": {"verysecure"}}},
		{adapter: "zitadel", forms: []form{{fields: url.Values{"username": {""}}}}, wantErr: "no form with username and id"},
	}
	for _, tt := range tests {
		t.Run(tt.adapter+"/"+tt.login, func(t *testing.T) {
			a := adapters[tt.adapter](issuer)
			_, got, err := a.submit(tt.forms, tt.login, tt.password)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("form data = %v, want %v", got, tt.want)
			}
		})
	}
	if got := adapters["zitadel"](issuer).login; got != "test-user@127.0.0.1" {
		t.Errorf("zitadel's default login = %q, want the issuer's host", got)
	}
	if adapters["none"](issuer).submit != nil {
		t.Error("the none adapter submits a login page")
	}
}
