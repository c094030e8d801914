package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// password is every simulated candidate's (it meets the password rules).
const password = "Bench@2024pw"

// user is one simulated person with their own cookies.
type user struct {
	r *runner
	n int64
	c *http.Client
}

// answer is what the server said to one request.
type answer struct {
	status   int
	location string
	body     string
}

// do sends one request, records it under op, and returns the answer. A
// status of 400 or more, a status other than want (when set), or a check
// that fails, counts as an error of the operation, with its kind.
func (u *user) do(ctx context.Context, op, method, path string, body io.Reader, ctype string, want int, check func(answer) error) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.r.base+path, body)
	if err != nil {
		return answer{}, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept-Encoding", "gzip")
	start := time.Now()
	resp, err := u.c.Do(req)
	var a answer
	var gzipped bool
	var header http.Header
	if err == nil {
		var b []byte
		b, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		a = answer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}
		gzipped = resp.Header.Get("Content-Encoding") == "gzip"
		header = resp.Header
	}
	end := time.Now()
	d := end.Sub(start)
	if err == nil && gzipped && (check != nil || a.status >= 400) { // the checks read the text, after the timing
		zr, zerr := gzip.NewReader(strings.NewReader(a.body))
		if zerr == nil {
			var b []byte
			if b, zerr = io.ReadAll(zr); zerr == nil {
				a.body = string(b)
			}
		}
		if zerr != nil {
			err = fmt.Errorf("%s %s: gzip: %w", method, path, zerr)
		}
	}
	switch {
	case err != nil:
		if ctx.Err() != nil { // the run ended while this was in flight: not the server's fault
			return a, err
		}
		err = fmt.Errorf("%s %s: %w", method, path, err)
	case a.status >= 400 || (want != 0 && a.status != want):
		err = fmt.Errorf("%s %s = %d %s%s", method, path, a.status, a.location, excerpt(a.body))
	case check != nil:
		if e := check(a); e != nil {
			err = fmt.Errorf("%s %s: %w", method, path, e)
		}
	}
	u.r.rec.add(op, d, err, a.status)
	if obs := u.r.cfg.Observe; obs != nil {
		obs(Exchange{Op: op, User: u.username(), Method: method, Path: path, Status: a.status, Location: a.location,
			Header: header, Start: start, End: end, Err: err})
	}
	return a, err
}

// username is the user's account name (register).
func (u *user) username() string { return fmt.Sprintf("b%s%d", u.r.run, u.n) }

// get fetches path; when want is set the page must contain it.
func (u *user) get(ctx context.Context, op, path, want string) error {
	_, err := u.do(ctx, op, "GET", path, nil, "", http.StatusOK, contains(want))
	return err
}

// contains checks that a page holds want.
func contains(want string) func(answer) error {
	if want == "" {
		return nil
	}
	return func(a answer) error {
		if !strings.Contains(a.body, want) {
			return fmt.Errorf("the page lacks %q: %w%s", want, errUnexpected, excerpt(a.body))
		}
		return nil
	}
}

// post submits a form and wants a redirect to next (when set).
func (u *user) post(ctx context.Context, op, path string, form url.Values, next string) (answer, error) {
	want, check := 0, func(answer) error { return nil }
	if next != "" {
		want = http.StatusSeeOther
		check = func(a answer) error {
			if a.location != next && !strings.HasPrefix(a.location, next+"?") {
				return fmt.Errorf("went to %q, want %s: %w", a.location, next, errUnexpected)
			}
			return nil
		}
	}
	return u.do(ctx, op, "POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", want, check)
}

// idNumber is a valid, unique resident ID number for this user.
func (u *user) idNumber() string {
	// Birth dates from 1980-01-01 on, 1 000 sequence numbers per day; the
	// run's tag moves each run to its own range of days.
	var tag int64
	fmt.Sscanf(u.r.run, "%x", &tag)
	n := u.n + (tag%5000)*1000
	birth := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n/1000)%7000)
	s := fmt.Sprintf("110106%s%03d", birth.Format("20060102"), n%1000)
	return s + string(checkChar(s))
}

// checkChar is the GB 11643 check character of 17 digits.
func checkChar(s string) byte {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	return "10X98765432"[sum%11]
}

// register creates the account (which signs the user in).
func (u *user) register(ctx context.Context) error {
	_, err := u.post(ctx, "register", "/register", url.Values{"id_type": {"resident_id"}, "id_number": {u.idNumber()},
		"name": {"压测考生"}, "username": {u.username()}, "password": {password}, "password_confirm": {password},
		"mobile": {"13912345678"}, "recovery_question": {"我的出生城市？"}, "recovery_answer": {"北京"}}, "/me/wechat")
	return err
}

var (
	pinRe    = regexp.MustCompile(`aria-label="确认码">(\d{6})<`)
	ticketRe = regexp.MustCompile(`name="ticket" value="([0-9a-f]+)"`)
	unitRe   = regexp.MustCompile(`<option value="([^"]+)">[^<]*（丰台区）</option>`)
)

// bindWeChat runs the local WeChat provider's flow: this browser starts
// it, a "phone" without a session confirms the code, this browser goes on.
func (u *user) bindWeChat(ctx context.Context) error {
	a, err := u.post(ctx, "wechat", "/me/wechat/bind", nil, "")
	if err == nil {
		a, err = u.follow(ctx, "wechat", a)
	}
	if err != nil {
		return err
	}
	pin, ticket := pinRe.FindStringSubmatch(a.body), ticketRe.FindStringSubmatch(a.body)
	if pin == nil || ticket == nil {
		return fmt.Errorf("WeChat authorize page without code: %w%s", errUnexpected, excerpt(a.body))
	}
	phone := u.r.newUser()
	if _, err := phone.post(ctx, "wechat", "/wechat/local/confirm", url.Values{"pin": {pin[1]}, "wechat_id": {fmt.Sprintf("bench-%s-%d", u.r.run, u.n)}}, ""); err != nil {
		return err
	}
	a, err = u.post(ctx, "wechat", "/wechat/local/authorize", url.Values{"ticket": {ticket[1]}}, "")
	if err == nil {
		a, err = u.follow(ctx, "wechat", a)
	}
	if err == nil && !strings.Contains(a.body, "已绑定") {
		err = fmt.Errorf("WeChat binding did not finish: %w%s", errUnexpected, excerpt(a.body))
	}
	return err
}

// follow takes the redirects a browser would, from a, to the final page.
func (u *user) follow(ctx context.Context, op string, a answer) (answer, error) {
	for range 5 {
		if a.location == "" {
			return a, nil
		}
		loc, err := url.Parse(a.location)
		if err != nil {
			return a, err
		}
		if a, err = u.do(ctx, op, "GET", loc.RequestURI(), nil, "", 0, nil); err != nil {
			return a, err
		}
	}
	return a, fmt.Errorf("too many redirects: %w", errUnexpected)
}

// profileForm is a nurse who qualifies for 368 护理学（中级）.
func profileForm(unitID string) url.Values {
	return url.Values{
		"work.unit_id":       {unitID},
		"education[0].level": {"bachelor"}, "education[0].major": {"护理学"}, "education[0].school": {"首都医科大学"},
		"education[0].graduated_on": {"2005-07-01"}, "education[0].full_time": {"on"}, "education[0].medical": {"on"},
		"titles[0].level": {"junior"}, "titles[0].specialty": {"护理学"}, "titles[0].obtained_on": {"2012-05-20"},
		"licences[0].kind": {"nurse"}, "licences[0].obtained_on": {"2005-09-01"},
		"work.post": {"护理"}, "work.practice_registered_on": {"2005-10-01"}, "work.specialty_started_on": {"2005-10-01"},
	}
}

var (
	photoOnce sync.Once
	photoJPEG []byte
)

// photo is a 360×480 JPEG that passes the photo rules.
func photo() []byte {
	photoOnce.Do(func() {
		img := image.NewRGBA(image.Rect(0, 0, 360, 480))
		for y := range 480 {
			for x := range 360 {
				img.Set(x, y, color.RGBA{uint8(x), uint8(y), 77, 255})
			}
		}
		var b bytes.Buffer
		jpeg.Encode(&b, img, nil)
		photoJPEG = b.Bytes()
	})
	return photoJPEG
}

// prepare takes a new candidate from registration to the application's
// last step: everything but the submission.
func (u *user) prepare(ctx context.Context) error {
	if err := u.register(ctx); err != nil {
		return err
	}
	if err := u.bindWeChat(ctx); err != nil {
		return err
	}
	var unit []string
	if _, err := u.do(ctx, "profile", "GET", "/me/profile", nil, "", http.StatusOK, func(a answer) error {
		if unit = unitRe.FindStringSubmatch(a.body); unit == nil {
			return fmt.Errorf("the profile page offers no unit in 丰台区: %w", errUnexpected)
		}
		return nil
	}); err != nil {
		return err
	}
	if _, err := u.post(ctx, "profile", "/me/profile", profileForm(unit[1]), "/me/profile"); err != nil {
		return err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("photo", "photo.jpg")
	fw.Write(photo())
	mw.Close()
	if _, err := u.do(ctx, "photo", "POST", "/me/photo", &body, mw.FormDataContentType(), http.StatusSeeOther, nil); err != nil {
		return err
	}
	steps := []struct {
		path string
		form url.Values
		next string
	}{
		{"/apply/start", nil, "/apply/site"},
		{"/apply/site", url.Values{"site": {"fengtai"}}, "/apply/specialty"},
		{"/apply/specialty", url.Values{"specialty": {"368"}}, "/apply/info"},
		{"/apply/info", url.Values{"education_relevant": {"yes"}, "education_recognised": {"yes"}, "title_relevant": {"yes"}}, "/apply/check"},
	}
	for _, s := range steps {
		if _, err := u.post(ctx, "apply", s.path, s.form, s.next); err != nil {
			return err
		}
	}
	if err := u.get(ctx, "check", "/apply/check", "✓ 可以报考："); err != nil {
		return err
	}
	return u.get(ctx, "apply", "/apply/photo", `name="version" value="0"`)
}

// submit sends the application (the photo step's form).
func (u *user) submit(ctx context.Context) error {
	_, err := u.post(ctx, "submit", "/apply/submit", url.Values{"version": {"0"}, "photo_confirmed": {"on"}}, "/application")
	return err
}

// excerpt shortens a page for an error message.
func excerpt(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if len(body) > 600 {
		body = body[:600] + "…"
	}
	if body == "" {
		return ""
	}
	return "\n" + body
}
