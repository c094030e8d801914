package kaowu

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// IDType is the kind of identity document an account is registered with
// (证件类型).
type IDType string

// The ID types of the glossary. Every type but IDMilitaryOfficer may
// register online; military officers are entered by their military unit
// (二（三）1).
const (
	IDResident                  IDType = "resident_id"
	IDHKMacaoPass               IDType = "hk_macao_pass"
	IDHKMacaoTaiwanResidence    IDType = "hk_macao_taiwan_residence"
	IDTaiwanPass                IDType = "taiwan_pass"
	IDForeignPermanentResidence IDType = "foreign_permanent_residence"
	IDMilitaryOfficer           IDType = "military_officer"
)

// IDTypes lists every ID type, those that register online first.
var IDTypes = []IDType{IDResident, IDHKMacaoPass, IDHKMacaoTaiwanResidence, IDTaiwanPass, IDForeignPermanentResidence, IDMilitaryOfficer}

// Label returns the Chinese name of the ID type.
func (t IDType) Label() string {
	switch t {
	case IDResident:
		return "居民身份证"
	case IDHKMacaoPass:
		return "港澳居民来往内地通行证"
	case IDHKMacaoTaiwanResidence:
		return "港澳台居民居住证"
	case IDTaiwanPass:
		return "台湾居民来往大陆通行证"
	case IDForeignPermanentResidence:
		return "外国人永久居留身份证"
	case IDMilitaryOfficer:
		return "军官证"
	}
	return string(t)
}

// Valid reports whether t is a known ID type.
func (t IDType) Valid() bool { return t.Label() != string(t) }

// Online reports whether an account with this ID type may be registered on
// the website: every type but the military officer's card.
func (t IDType) Online() bool { return t.Valid() && t != IDMilitaryOfficer }

// IDNumber is an identity document number. It prints and logs masked
// (MaskID) so that it cannot leak into logs or audit text by accident;
// string(n) is the full number, for storage and for the holder's own forms.
type IDNumber string

// String returns the masked number.
func (n IDNumber) String() string { return MaskID(string(n)) }

// GoString returns the masked number, for %#v.
func (n IDNumber) GoString() string { return fmt.Sprintf("%q", MaskID(string(n))) }

// ParsedID is a validated identity document: its type, its normalised
// number and, where the number encodes it, the birth date.
type ParsedID struct {
	Type   IDType
	Number IDNumber
	Birth  Date
}

// gbWeights are the weights of GB 11643-1999 (公民身份号码) for the first 17
// digits; the check character is gbCheck[sum mod 11] (ISO 7064 MOD 11-2).
var (
	gbWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	gbCheck   = "10X98765432"
)

// GBCheckChar returns the GB 11643 check character of the first 17 digits
// of s, or 0 when they are not 17 digits.
func GBCheckChar(s string) byte {
	if len(s) < 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * gbWeights[i]
	}
	return gbCheck[sum%11]
}

// provinces are the province-level codes (first two digits of the address
// code, GB/T 2260) of mainland resident ID numbers.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
}

// NormalizeIDNumber trims s, removes inner spaces, folds full-width digits
// and letters to ASCII and upper-cases it: what a person may type for the
// same number becomes one stored form.
func NormalizeIDNumber(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t' || r == '\u3000':
			continue
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r >= 'Ａ' && r <= 'Ｚ':
			r = 'A' + (r - 'Ａ')
		case r >= 'ａ' && r <= 'ｚ':
			r = 'A' + (r - 'ａ')
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func idError(msg string) *Error { return FieldError("id_number", msg) }

// spreadsheetNumber matches a long number that a spreadsheet stored as a
// floating-point value, such as 1.1010619900315E+017: its last digits are
// lost, so no ID number can be read from it.
var spreadsheetNumber = regexp.MustCompile(`^\d(\.\d+)?[eE]\+?\d+$`)

// ParseIDNumber validates number as a document of type t and returns it
// normalised. today, when not zero, refuses birth dates after it. Every
// refusal is an EINVALID error on the field "id_number" whose message says
// what the number should look like.
//
// Formats (the public rules each follows):
//   - resident_id: GB 11643-1999, 18 characters: a 6-digit address code
//     whose first two digits are a mainland province (GB/T 2260), an
//     8-digit real birth date, a 3-digit sequence, a check character
//     (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, sum mod 11 → 10X98765432).
//     15-digit first-generation numbers are refused: those cards stopped
//     being valid on 2013-01-01.
//   - hk_macao_pass (港澳居民来往内地通行证): H (Hong Kong) or M (Macao) and
//     8 digits on the card issued since 2013; the older booklet has
//     10 digits (8 + a 2-digit issue count).
//   - hk_macao_taiwan_residence (港澳台居民居住证, 2018): a GB 11643 number
//     whose address code is 810000 (Hong Kong), 820000 (Macao) or
//     830000 (Taiwan).
//   - taiwan_pass (台湾居民来往大陆通行证): 8 digits on the card issued
//     since 2015; 10 digits on older ones.
//   - foreign_permanent_residence (外国人永久居留身份证): the 2023 card
//     (issued from 2023-12-01, 国家移民管理局《新版外国人永久居留身份证机读
//     信息规则(2023版)》) has 18 characters, first digit 9, 17 digits and a
//     MOD 11-2 check character like GB 11643; the 2017 card has 15
//     characters: a 3-letter nationality code and 12 digits. Only these
//     shapes and the check character are verified: the rules place the
//     birth date inside the number, but the published summary at hand does
//     not give its position, so it is not read.
//   - military_officer (军官证): entered by military units, not online;
//     accepted as 4–20 letters, digits or Chinese characters (the number
//     has no public format).
func ParseIDNumber(t IDType, number string, today Date) (ParsedID, error) {
	if !utf8.ValidString(number) {
		return ParsedID{}, idError("证件号码含有无效字符，请重新输入")
	}
	if !t.Valid() {
		return ParsedID{}, FieldError("id_type", "请选择证件类型")
	}
	n := NormalizeIDNumber(number)
	p := ParsedID{Type: t, Number: IDNumber(n)}
	if n == "" {
		return p, idError("请填写证件号码")
	}
	// Checked on the normalised form, so that the stored form of an
	// accepted number never reads as a spreadsheet float when parsed again.
	if spreadsheetNumber.MatchString(n) {
		return p, idError(fmt.Sprintf("证件号码“%s”被表格软件存成了数字，后几位已经丢失：请把证件号码这一列设为“文本”格式，重新填写号码后再导入", n))
	}
	if len(n) > 20 {
		return p, idError(fmt.Sprintf("证件号码过长：%s的号码不超过 18 位", t.Label()))
	}
	var err *Error
	switch t {
	case IDResident:
		p.Birth, err = parseGB(n, "居民身份证号码", func(addr string) bool { return provinces[addr[:2]] }, "前 6 位地址码不是有效的省份代码（如北京为 11 开头）", today)
	case IDHKMacaoTaiwanResidence:
		p.Birth, err = parseGB(n, "港澳台居民居住证号码", func(addr string) bool {
			return addr == "810000" || addr == "820000" || addr == "830000"
		}, "应以 810000（香港）、820000（澳门）或 830000（台湾）开头", today)
	case IDHKMacaoPass:
		if !(len(n) == 9 || len(n) == 11) || (n[0] != 'H' && n[0] != 'M') || !digits(n[1:]) {
			err = idError("港澳居民来往内地通行证号码应为 H 或 M 加 8 位数字（旧版为 H 或 M 加 10 位数字），如 H12345678")
		}
	case IDTaiwanPass:
		if !(len(n) == 8 || len(n) == 10) || !digits(n) {
			err = idError("台湾居民来往大陆通行证号码应为 8 位数字（旧版为 10 位数字）")
		}
	case IDForeignPermanentResidence:
		switch {
		case len(n) == 18 && n[0] == '9' && digits(n[:17]):
			if c := GBCheckChar(n); n[17] != c {
				err = idError("外国人永久居留身份证号码的最后一位校验码不对，请核对证件")
			}
		case len(n) == 15 && letters(n[:3]) && digits(n[3:]):
		default:
			err = idError("外国人永久居留身份证号码应为 18 位（2023 版，以 9 开头）或 15 位（2017 版，3 个字母加 12 位数字）")
		}
	case IDMilitaryOfficer:
		if c := utf8.RuneCountInString(n); c < 4 || c > 20 || strings.IndexFunc(n, func(r rune) bool {
			return !unicode.IsDigit(r) && !unicode.IsLetter(r)
		}) >= 0 {
			err = idError("军官证号码应为 4 至 20 位汉字、字母或数字")
		}
	}
	if err != nil {
		return p, err
	}
	return p, nil
}

// parseGB validates an 18-character GB 11643 number: shape, address code
// (by addrOK), birth date and check character.
func parseGB(n, what string, addrOK func(string) bool, addrMsg string, today Date) (Date, *Error) {
	if len(n) != 18 || !digits(n[:17]) || !(n[17] == 'X' || (n[17] >= '0' && n[17] <= '9')) {
		return Date{}, idError(what + "应为 18 位：前 17 位是数字，最后一位是数字或 X")
	}
	if !addrOK(n[:6]) {
		return Date{}, idError(what + addrMsg)
	}
	birth, err := time.Parse("20060102", n[6:14])
	if err != nil || birth.Year() < 1900 {
		return Date{}, idError(fmt.Sprintf("%s第 7 至 14 位应为真实的出生日期（年月日），%s 不是有效日期", what, n[6:14]))
	}
	d := DateOf(birth)
	if !today.IsZero() && d.After(today) {
		return Date{}, idError(fmt.Sprintf("%s中的出生日期 %s 晚于今天，请核对", what, d))
	}
	if c := GBCheckChar(n); n[17] != c {
		return Date{}, idError(what + "的最后一位校验码不对，请逐位核对证件号码")
	}
	return d, nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func letters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}
