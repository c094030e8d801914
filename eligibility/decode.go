package eligibility

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"kaowu"
)

// MaxFactsBytes is the largest Facts document DecodeFacts reads.
const MaxFactsBytes = 1 << 20

// DecodeFacts reads one Facts JSON object strictly: unknown fields, wrong
// types, impossible dates, unknown enumeration values and missing required
// fields are refused with a *kaowu.Error of code kaowu.EINVALID whose
// Fields name the bad field ("$" for the document as a whole).
func DecodeFacts(r io.Reader) (Facts, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFactsBytes+1))
	if err != nil {
		return Facts{}, &kaowu.Error{Code: kaowu.EINVALID, Message: "无法读取报名信息。", Fields: map[string]string{"$": "无法读取"}, Err: err}
	}
	if len(data) > MaxFactsBytes {
		return Facts{}, invalid("$", "报名信息超过 1 MB", nil)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f Facts
	if err := dec.Decode(&f); err != nil {
		return Facts{}, decodeError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Facts{}, invalid("$", "只能包含一个 JSON 对象，其后还有多余内容", err)
	}
	// encoding/json matches names ignoring case; the walk is exact.
	if err := decodeError(data, nil); err != nil {
		return Facts{}, err
	}
	if ps := f.shapeProblems(); len(ps) > 0 {
		e := &kaowu.Error{Code: kaowu.EINVALID, Fields: map[string]string{}}
		lines := make([]string, 0, len(ps))
		for _, p := range ps {
			if _, dup := e.Fields[p.field]; !dup {
				e.Fields[p.field] = p.msg
			}
			lines = append(lines, p.field+"："+p.msg)
		}
		e.Message = "报名信息有误：\n" + strings.Join(lines, "\n")
		return Facts{}, e
	}
	return f, nil
}

func invalid(field, msg string, cause error) *kaowu.Error {
	return &kaowu.Error{Code: kaowu.EINVALID, Message: "报名信息格式错误：" + field + "：" + msg + "。", Fields: map[string]string{field: msg}, Err: cause}
}

// decodeError turns a decoding error into one that names the field, by
// walking the document against the Facts type. With a nil err it returns
// nil unless the walk finds a problem.
func decodeError(data []byte, err error) error {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return invalid("$", "不是有效的 JSON（第 "+strconv.FormatInt(syn.Offset, 10)+" 个字节附近）", err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("$", "内容为空或不完整", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) == nil {
		if field, msg, ok := findProblem(v, reflect.TypeOf(Facts{}), ""); ok {
			return invalid(field, msg, err)
		}
	}
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return invalid(te.Field, "类型错误", err)
	}
	return invalid("$", "无法解析", err)
}

var dateType = reflect.TypeOf(kaowu.Date{})

// findProblem returns the first place where v does not fit t.
func findProblem(v any, t reflect.Type, at string) (field, msg string, found bool) {
	if v == nil {
		return "", "", false
	}
	name := at
	if name == "" {
		name = "$"
	}
	switch {
	case t == dateType:
		s, ok := v.(string)
		if !ok {
			return name, "应为 YYYY-MM-DD 格式的日期字符串", true
		}
		if s != "" {
			if _, err := kaowu.ParseDate(s); err != nil {
				return name, err.Error(), true
			}
		}
		return "", "", false
	case t.Kind() == reflect.Pointer:
		return findProblem(v, t.Elem(), at)
	case t.Kind() == reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return name, "应为 JSON 对象", true
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub := k
			if at != "" {
				sub = at + "." + k
			}
			ft, ok := jsonField(t, k)
			if !ok {
				return sub, "不是已知字段", true
			}
			if field, msg, found := findProblem(m[k], ft, sub); found {
				return field, msg, true
			}
		}
	case t.Kind() == reflect.Slice:
		xs, ok := v.([]any)
		if !ok {
			return name, "应为 JSON 数组", true
		}
		for i, x := range xs {
			if field, msg, found := findProblem(x, t.Elem(), at+"["+strconv.Itoa(i)+"]"); found {
				return field, msg, true
			}
		}
	case t.Kind() == reflect.String:
		if _, ok := v.(string); !ok {
			return name, "应为字符串", true
		}
	case t.Kind() == reflect.Bool:
		if _, ok := v.(bool); !ok {
			return name, "应为 true 或 false", true
		}
	case t.Kind() == reflect.Int:
		n, ok := v.(json.Number)
		if !ok {
			return name, "应为整数", true
		}
		if _, err := strconv.ParseInt(string(n), 10, 32); err != nil {
			return name, "应为整数", true
		}
	}
	return "", "", false
}

// jsonField returns the type of the field of struct t whose JSON name is
// exactly key.
func jsonField(t reflect.Type, key string) (reflect.Type, bool) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if tag == "" {
			tag = sf.Name
		}
		if tag == key {
			return sf.Type, true
		}
	}
	return nil, false
}
