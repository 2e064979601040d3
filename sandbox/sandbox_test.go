package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDataFolderServesOneSandbox: a second sandbox on the same --data folder
// refuses to start, naming the process that holds it (two cores would both
// send the outbox); once the first stops, the folder is free again.
func TestDataFolderServesOneSandbox(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	first, err := Start(ctx, Config{Ports: FreePorts(), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Start(ctx, Config{Ports: FreePorts(), DataDir: dir})
	if err == nil {
		t.Fatal("a second sandbox started on the same --data folder")
	}
	for _, want := range []string{"--data " + dir, "in use by another sandbox", "process " + strconv.Itoa(os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := Start(ctx, Config{Ports: FreePorts(), DataDir: dir})
	if err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	_ = again.Close(ctx)
}

// TestSlowBodiesDoNotFreezeTheSandbox: clients that send a request's
// headers and never its body are cut off after the read timeout, and while
// they hold every connection a component accepts, that component still
// answers a new client once they are cut off (the bound queues it, it is not
// refused).
func TestSlowBodiesDoNotFreezeTheSandbox(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{Ports: FreePorts(), Limits: Limits{ReadTimeout: 300 * time.Millisecond, MaxConns: 4}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	core, _ := s.Service("proconnect")
	var slow []net.Conn
	for range 6 {
		c, err := net.Dial("tcp", core.Listen)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /api/v1/certifications HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
		slow = append(slow, c)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + core.Listen + "/__sandbox/healthz")
	if err != nil {
		t.Fatalf("the core does not answer while slow clients hold its connections: %v", err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for i, c := range slow {
		_ = c.SetReadDeadline(deadline)
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Errorf("slow client %d still connected after 5 s: %v", i, err)
		}
	}
}

// TestPortalFilesAccessRequestsOnPostOnly: a GET (a link, a prefetch, a
// crawler) never files an access request at the reference portal; the
// filing is a POST, as the portal contract says of access_request_url.
func TestPortalFilesAccessRequestsOnPostOnly(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{Ports: FreePorts()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	portal, _ := s.Service("portal")
	core, _ := s.Service("proconnect")
	resp, err := http.Get("http://" + portal.Listen + "/api/acces?siren=901001008&email=bob%40exemple.test&given_name=Bob&family_name=B")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/acces: %d, want 405", resp.StatusCode)
	}
	resp, err = http.Get("http://" + core.Listen + "/__sandbox/mails")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var log struct {
		Mails []json.RawMessage `json:"mails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&log); err != nil {
		t.Fatal(err)
	}
	if len(log.Mails) != 0 {
		t.Errorf("a GET queued %d mails", len(log.Mails))
	}
}

// TestCoreMailOutboxShowsSendingByRecipient: GET /__sandbox/mails?to= lists
// only the mail to that address, and marks "sending" a mail whose SMTP
// session is under way (here a server that never greets): what a harness
// needs to say that nothing more will arrive without waiting a fixed time.
func TestCoreMailOutboxShowsSendingByRecipient(t *testing.T) {
	stall, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	held := make(chan net.Conn, 64)
	go func() {
		for {
			c, err := stall.Accept()
			if err != nil {
				return
			}
			held <- c // never greets: the session hangs
		}
	}()
	ctx := context.Background()
	s, err := Start(ctx, Config{Ports: FreePorts(), SMTPAddr: stall.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	defer func() { // first: free the core's hung session
		stall.Close()
		for {
			select {
			case c := <-held:
				c.Close()
			default:
				return
			}
		}
	}()
	portal, _ := s.Service("portal")
	core, _ := s.Service("proconnect")
	sir, _ := s.Service("sirene")
	const siren, contact = "732829320", "dirigeant-outbox@exemple.test"
	req, _ := http.NewRequest(http.MethodPut, "http://"+sir.Listen+"/__sandbox/companies/"+siren+"/contact-email",
		strings.NewReader(`{"contact_email":"`+contact+`"}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("contact email: %v %v", err, resp)
	}
	resp, err := http.Post("http://"+portal.Listen+"/api/acces", "application/json",
		strings.NewReader(`{"siren":"`+siren+`","email":"camille-outbox@exemple.test","given_name":"Camille","family_name":"Martin"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("access request: %v %v", err, resp)
	}
	resp.Body.Close()
	type mail struct {
		To      string `json:"to"`
		Sending bool   `json:"sending"`
	}
	list := func(to string) []mail {
		resp, err := http.Get("http://" + core.Listen + "/__sandbox/mails?to=" + to)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Mails []mail }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out.Mails
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := list(strings.ToUpper(contact)) // addresses compare without case
		if len(got) == 1 && got[0].To == contact && got[0].Sending {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mails to %s: %+v, want one being sent", contact, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := list("personne@exemple.test"); len(got) != 0 {
		t.Errorf("mails to another address: %+v", got)
	}
}
