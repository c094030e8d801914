package crash

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

const password = "Kaowu@2024" // every demo account's

// candidate is one demo candidate's browser: a cookie jar, and a client that
// does not follow redirects, so that the test sees the server's own answer.
type candidate struct {
	name string
	base string
	c    *http.Client
}

// newCandidate returns a browser for name against the server at base.
func newCandidate(base, name string) *candidate {
	jar, _ := cookiejar.New(nil)
	return &candidate{name: name, base: base, c: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// answer is what the server said to one request.
type answer struct {
	status   int
	location string
	body     string
}

func (c *candidate) do(method, path string, form url.Values) (answer, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return answer{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	// The status line and headers count even when the body is cut off: a
	// server that sent them had already decided the answer.
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}, err
}

// step posts form to path and wants a redirect to next.
func (c *candidate) step(path string, form url.Values, next string) error {
	a, err := c.do("POST", path, form)
	if err != nil {
		return fmt.Errorf("%s POST %s: %w", c.name, path, err)
	}
	if a.status != http.StatusSeeOther || a.location != next {
		return fmt.Errorf("%s POST %s = %d to %q, want 303 to %s\n%s", c.name, path, a.status, a.location, next, excerpt(a.body))
	}
	return nil
}

// page gets path and wants a 200 containing every one of want.
func (c *candidate) page(path string, want ...string) (string, error) {
	a, err := c.do("GET", path, nil)
	if err != nil {
		return "", fmt.Errorf("%s GET %s: %w", c.name, path, err)
	}
	if a.status != http.StatusOK {
		return a.body, fmt.Errorf("%s GET %s = %d to %q\n%s", c.name, path, a.status, a.location, excerpt(a.body))
	}
	for _, w := range want {
		if !strings.Contains(a.body, w) {
			return a.body, fmt.Errorf("%s GET %s lacks %q\n%s", c.name, path, w, excerpt(a.body))
		}
	}
	return a.body, nil
}

// login signs the candidate in.
func (c *candidate) login() error {
	return c.step("/login", url.Values{"login": {c.name}, "password": {password}}, "/me")
}

// submitForm is the photo step's form for the first submission.
var submitForm = url.Values{"version": {"0"}, "photo_confirmed": {"on"}}

// acknowledged reports whether a is the success answer to a submission: a
// redirect to the status page that says it was submitted (or, for a
// returning candidate, confirmed).
func acknowledged(a answer) bool {
	return a.status == http.StatusSeeOther &&
		(a.location == "/application?done=submitted" || a.location == "/application?done=confirmed")
}

// excerpt shortens a page for an error message.
func excerpt(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 1500 {
		body = body[:1500] + "…"
	}
	return body
}
