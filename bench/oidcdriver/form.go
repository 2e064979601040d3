package main

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// form is one HTML form of a login page, as a browser would submit it: its
// action and method, its named input fields with their current values, and
// its submit buttons (a button's name and value are sent only when it is the
// one clicked, HTML §4.10.21.4).
type form struct {
	id      string
	action  string
	method  string
	fields  url.Values
	buttons []button
}

type button struct{ name, value string }

// field is the value of the form's field name, "" when it has none.
func (f form) field(name string) string { return f.fields.Get(name) }

// click is the form data a browser sends when a person clicks the button
// named name with value value (a button without a name adds nothing).
func (f form) click(name, value string) url.Values {
	data := url.Values{}
	for k, v := range f.fields {
		data[k] = append([]string(nil), v...)
	}
	if name != "" {
		data.Set(name, value)
	}
	return data
}

// parseForms returns the forms of an HTML page in document order. Inputs
// without a name, and checkboxes and radio buttons, are left out: no login
// page this driver knows uses them.
func parseForms(page []byte) ([]form, error) {
	z := html.NewTokenizer(bytes.NewReader(page))
	var forms []form
	var cur *form
	for {
		switch z.Next() {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				return nil, fmt.Errorf("login page: %w", err)
			}
			if cur != nil {
				forms = append(forms, *cur) // unclosed form: a browser keeps it
			}
			return forms, nil
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			attr := attrs(t)
			switch t.Data {
			case "form":
				if cur != nil {
					forms = append(forms, *cur)
				}
				method := strings.ToUpper(attr["method"])
				if method == "" {
					method = "GET"
				}
				cur = &form{id: attr["id"], action: attr["action"], method: method, fields: url.Values{}}
			case "input":
				if cur == nil || attr["name"] == "" {
					continue
				}
				switch strings.ToLower(attr["type"]) {
				case "submit":
					cur.buttons = append(cur.buttons, button{attr["name"], attr["value"]})
				case "checkbox", "radio", "button", "reset", "image", "file":
				default:
					cur.fields.Add(attr["name"], attr["value"])
				}
			case "button":
				if cur == nil {
					continue
				}
				if typ := strings.ToLower(attr["type"]); typ == "" || typ == "submit" {
					cur.buttons = append(cur.buttons, button{attr["name"], attr["value"]})
				}
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "form" && cur != nil {
				forms = append(forms, *cur)
				cur = nil
			}
		}
	}
}

func attrs(t html.Token) map[string]string {
	m := make(map[string]string, len(t.Attr))
	for _, a := range t.Attr {
		m[a.Key] = a.Val
	}
	return m
}
