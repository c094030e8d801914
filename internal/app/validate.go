package app

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"kaowu"
)

// fieldErrors collects per-field refusals; the first message of a field
// wins.
type fieldErrors map[string]string

func (f fieldErrors) add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// merge adds the field messages of err, or returns err when it is not a
// field error.
func (f fieldErrors) merge(err error) error {
	if err == nil {
		return nil
	}
	fs := kaowu.ErrorFields(err)
	if len(fs) == 0 {
		return err
	}
	for k, v := range fs {
		f.add(k, v)
	}
	return nil
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &kaowu.Error{Code: kaowu.EINVALID, Message: fmt.Sprintf("有 %d 项填写有误，请按提示修改后重新提交。", len(f)), Fields: f}
}

// forbiddenText are characters no free-text field needs and that mark
// markup or SQL typed into a form.
const forbiddenText = "<>\"'`;\\{}$"

// text validates a free-text field: valid UTF-8, no control characters or
// markup/SQL punctuation, between min and max characters after trimming.
// It returns the trimmed value.
func (f fieldErrors) text(field, label, s string, min, max int) string {
	if !utf8.ValidString(s) {
		f.add(field, label+"含有无效字符（编码错误），请重新输入")
		return ""
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && min > 0:
		f.add(field, "请填写"+label)
	case n < min:
		f.add(field, fmt.Sprintf("%s至少 %d 个字", label, min))
	case n > max:
		f.add(field, fmt.Sprintf("%s不能超过 %d 个字（现有 %d 个）", label, max, n))
	case strings.ContainsAny(s, forbiddenText):
		f.add(field, label+"不能包含 < > \" ' ` ; \\ { } $ 等符号")
	case strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || r == utf8.RuneError || unicode.In(r, unicode.Co, unicode.Cs)
	}) >= 0:
		f.add(field, label+"含有无法显示的字符，请删除后重新输入")
	}
	return s
}

// name validates a person's name: 1–30 characters, letters of any script
// (rare characters and those outside the BMP such as 𠮷 included), the
// middle dot of minority and foreign names, spaces, hyphens and periods.
func (f fieldErrors) name(field, s string) string {
	if !utf8.ValidString(s) {
		f.add(field, "姓名含有无效字符（编码错误），请重新输入")
		return ""
	}
	s = strings.Join(strings.Fields(s), " ")
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		f.add(field, "请填写姓名")
	case n > 30:
		f.add(field, fmt.Sprintf("姓名不能超过 30 个字（现有 %d 个）", n))
	default:
		for _, r := range s {
			if !(unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || strings.ContainsRune("·•・ -.", r)) {
				f.add(field, fmt.Sprintf("姓名不能包含“%c”：只能使用汉字、字母、间隔号“·”和空格", r))
				break
			}
		}
	}
	return s
}

var usernamePattern = regexp.MustCompile(`^[a-z][a-z0-9_.-]{3,19}$`)

// username validates a username: 4–20 letters, digits, "_", "." or "-",
// starting with a letter, case-insensitive (stored in lower case), and
// not shaped like an ID number (logins accept both).
func (f fieldErrors) username(field, s string) string {
	if !utf8.ValidString(s) {
		f.add(field, "用户名含有无效字符")
		return ""
	}
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		f.add(field, "请填写用户名")
	case !usernamePattern.MatchString(s):
		f.add(field, "用户名应为 4 至 20 位英文字母、数字或 _ . -，以字母开头")
	case looksLikeID(s):
		f.add(field, "用户名不能是证件号码的格式，请换一个")
	}
	return s
}

func looksLikeID(s string) bool {
	for _, t := range kaowu.IDTypes {
		if t == kaowu.IDMilitaryOfficer {
			continue
		}
		if _, err := kaowu.ParseIDNumber(t, s, kaowu.Date{}); err == nil {
			return true
		}
	}
	return false
}

var mobilePattern = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// mobile validates a mainland mobile number: 11 digits starting with 1.
func (f fieldErrors) mobile(field, s string) string {
	s = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "+86"), "0086")
	if !mobilePattern.MatchString(s) {
		f.add(field, "手机号码应为 11 位数字，以 1 开头（中国大陆手机号）")
	}
	return s
}

// password applies the password policy: 8–128 characters, at least three
// of upper case, lower case, digits and symbols, not the username or the
// ID number.
func (f fieldErrors) password(field, pw, username, idNumber string) {
	if !utf8.ValidString(pw) {
		f.add(field, "密码含有无效字符")
		return
	}
	n := utf8.RuneCountInString(pw)
	if n < 8 || n > 128 {
		f.add(field, "密码长度应为 8 至 128 位")
		return
	}
	var upper, lower, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{upper, lower, digit, other} {
		if b {
			classes++
		}
	}
	low := strings.ToLower(pw)
	switch {
	case classes < 3:
		f.add(field, "密码须包含大写字母、小写字母、数字、符号中的至少三类")
	case username != "" && low == strings.ToLower(username):
		f.add(field, "密码不能与用户名相同")
	case idNumber != "" && (low == strings.ToLower(idNumber) || strings.Contains(low, strings.ToLower(idNumber))):
		f.add(field, "密码不能包含证件号码")
	}
}

// date parses an optional date field; required refuses an empty one; it
// must not be after today nor before 1940.
func (f fieldErrors) date(field, label, s string, required bool, today kaowu.Date) kaowu.Date {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			f.add(field, "请填写"+label)
		}
		return kaowu.Date{}
	}
	d, err := kaowu.ParseDate(s)
	switch {
	case err != nil:
		f.add(field, label+"应为 YYYY-MM-DD 格式的真实日期，如 2018-07-01")
	case d.Year < 1940:
		f.add(field, label+"早于 1940 年，请核对")
	case !today.IsZero() && d.After(today):
		f.add(field, fmt.Sprintf("%s（%s）晚于今天，请核对", label, d))
	}
	return d
}

// normalizeAnswer is the form of a recovery answer that is hashed: trimmed,
// inner spaces collapsed, full-width folded, case-folded, so that "Beijing"
// and " beijing " match.
func normalizeAnswer(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	for _, r := range s {
		if r >= '！' && r <= '～' { // full-width ASCII
			r = r - '！' + '!'
		}
		b.WriteRune(r)
	}
	return strings.ToLower(strings.ToUpper(b.String()))
}
