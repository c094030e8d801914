package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"kaowu"
	"kaowu/internal/auth"
	"kaowu/internal/store"
)

// Throttling of logins and password recovery (二（一）4(2)–(3)). The
// counters live in the database, so that every server process sees the
// same ones, and run on the App's clock.
const (
	// AccountFailures wrong passwords in a row lock an account for
	// AccountLock.
	AccountFailures = 5
	AccountLock     = 15 * time.Minute
	// IPFailures failures from one address within FailureWindow lock that
	// address for IPLock. It is high because a hospital's staff may share
	// one address.
	IPFailures    = 50
	IPLock        = 15 * time.Minute
	FailureWindow = 15 * time.Minute
	// ResetCodeLifetime is how long a desk reset code stays valid.
	ResetCodeLifetime = 24 * time.Hour
)

// today is the calendar day of the App's clock in Shanghai.
func (a *App) today() kaowu.Date { return kaowu.DateOf(a.Clock.Now().In(kaowu.Shanghai)) }

// identity is the audited snapshot of an account's identity fields, ID
// number masked.
type identity struct {
	Username string       `json:"username,omitempty"`
	Name     string       `json:"name"`
	IDType   kaowu.IDType `json:"id_type,omitempty"`
	IDNumber string       `json:"id_number,omitempty"`
	Mobile   string       `json:"mobile,omitempty"`
	Role     kaowu.Role   `json:"role,omitempty"`
}

func identityOf(acc kaowu.Account) identity {
	return identity{Username: acc.Username, Name: acc.Name, IDType: acc.IDType, IDNumber: acc.IDNumber.String(),
		Mobile: maskMobile(acc.Mobile), Role: acc.Role}
}

func maskMobile(m string) string {
	if len(m) != 11 {
		return m
	}
	return m[:3] + "****" + m[7:]
}

// auditChange appends an audit row with the state before and after the
// change, as JSON (ID numbers are masked again by the store).
func (a *App) auditChange(ctx context.Context, tx *store.Tx, actor Actor, action, object, detail string, before, after any) error {
	enc := func(v any) string {
		if v == nil {
			return ""
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprintf("%q", err.Error())
		}
		return string(b)
	}
	return tx.AppendAudit(ctx, kaowu.AuditEntry{At: a.Clock.Now(), Actor: actor.Username, Role: actor.Role,
		Action: action, Object: object, Detail: kaowu.MaskIDsIn(detail), Before: enc(before), After: enc(after)})
}

// Registration is what a candidate types to register (二（一）3: 用户注册).
type Registration struct {
	IDType           string `json:"id_type"`
	IDNumber         string `json:"id_number"`
	Name             string `json:"name"`
	Username         string `json:"username"`
	Password         string `json:"password"`
	PasswordConfirm  string `json:"password_confirm"`
	Mobile           string `json:"mobile"`
	RecoveryQuestion string `json:"recovery_question"`
	RecoveryAnswer   string `json:"recovery_answer"`
}

// Register creates a candidate account. The ID document and the username
// are unique by the database's constraints: of any number of simultaneous
// registrations of one ID number exactly one succeeds, and the others get
// ECONFLICT "该证件号码已注册" (二（一）4(1)).
func (a *App) Register(ctx context.Context, r Registration) (kaowu.Account, error) {
	f := fieldErrors{}
	t := kaowu.IDType(r.IDType)
	var id kaowu.ParsedID
	switch {
	case t == kaowu.IDMilitaryOfficer:
		f.add("id_type", "军队卫生人员不实行网上报名，由所在团级以上单位统一组织报名（二（三）1），无需在此注册")
	case !t.Online():
		f.add("id_type", "请选择证件类型")
	default:
		var err error
		id, err = kaowu.ParseIDNumber(t, r.IDNumber, a.today())
		if err := f.merge(err); err != nil {
			return kaowu.Account{}, err
		}
	}
	acc := kaowu.Account{
		User: kaowu.User{
			Name:      f.name("name", r.Name),
			Username:  f.username("username", r.Username),
			Role:      kaowu.RoleCandidate,
			CreatedAt: a.Clock.Now(),
		},
		IDType:           t,
		IDNumber:         id.Number,
		Mobile:           f.mobile("mobile", r.Mobile),
		RecoveryQuestion: f.text("recovery_question", "密码找回问题", r.RecoveryQuestion, 2, 50),
	}
	f.password("password", r.Password, acc.Username, string(id.Number))
	if r.Password != r.PasswordConfirm {
		f.add("password_confirm", "两次输入的密码不一致")
	}
	answer := normalizeAnswer(r.RecoveryAnswer)
	if !utf8.ValidString(r.RecoveryAnswer) || answer == "" || utf8.RuneCountInString(answer) > 50 {
		f.add("recovery_answer", "请填写密码找回问题的答案（1 至 50 个字）")
	}
	if err := f.err(); err != nil {
		return kaowu.Account{}, err
	}
	var err error
	if acc.PasswordHash, err = hashSecret(r.Password); err != nil {
		return kaowu.Account{}, err
	}
	if acc.RecoveryAnswerHash, err = hashSecret(answer); err != nil {
		return kaowu.Account{}, err
	}
	actor := Actor{Username: acc.Username, Role: kaowu.RoleCandidate}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAccount(ctx, &acc); err != nil {
			return err
		}
		return a.auditChange(ctx, tx, actor, "account.register", acc.ID,
			fmt.Sprintf("注册考生账号：用户名 %s，%s %s", acc.Username, t.Label(), acc.IDNumber), nil, identityOf(acc))
	})
	if err != nil {
		return kaowu.Account{}, fmt.Errorf("register: %w", err)
	}
	return acc, nil
}

// errBadLogin is the one answer to a wrong login name or password: it does
// not say which was wrong.
func errBadLogin(left int) error {
	msg := "用户名/证件号码或密码不正确。"
	if left > 0 && left < AccountFailures {
		msg += fmt.Sprintf("再输错 %d 次，账号将被锁定 %d 分钟。", left, int(AccountLock/time.Minute))
	}
	return &kaowu.Error{Code: kaowu.EUNAUTHORIZED, Message: msg, Fields: map[string]string{"password": "用户名/证件号码或密码不正确"}}
}

// lockedError says what is locked until when, then advice (may be "").
func lockedError(what string, until time.Time, advice string) error {
	if advice != "" {
		advice = "；" + advice
	}
	return &kaowu.Error{Code: kaowu.ETOOMANY, Message: fmt.Sprintf("%s，请于 %s 后再试%s。", what, until.In(kaowu.Shanghai).Format("15:04"), advice)}
}

// loginAdvice is the advice of a locked login.
const loginAdvice = "忘记密码可通过“找回密码”重设"

// dummyHash is verified against when a login names no account, so that a
// wrong username costs as long as a wrong password.
var dummyHash, _ = auth.Hash("kaowu-dummy-password")

// checkLock refuses when the counter of key is locked at now.
func (a *App) checkLock(ctx context.Context, key, what, advice string) error {
	_, err := a.lockState(ctx, key, what, advice)
	return err
}

// lockState returns the counter of key, refusing when it is locked at now.
func (a *App) lockState(ctx context.Context, key, what, advice string) (store.Throttle, error) {
	t, err := a.Store.Throttle(ctx, key)
	if err != nil {
		return t, err
	}
	if now := a.Clock.Now(); t.LockedUntil.After(now) {
		return t, lockedError(what, t.LockedUntil, advice)
	}
	return t, nil
}

// fail records one failure of each key (with its limit and lock) in one
// transaction and returns the first counter.
type throttleKey struct {
	key   string
	limit int
	lock  time.Duration
}

func (a *App) fail(ctx context.Context, keys ...throttleKey) (store.Throttle, error) {
	var first store.Throttle
	now := a.Clock.Now()
	err := a.Store.Update(ctx, func(tx *store.Tx) error {
		for i, k := range keys {
			t, err := tx.RecordFailure(ctx, k.key, now, FailureWindow, k.limit, k.lock)
			if err != nil {
				return err
			}
			if i == 0 {
				first = t
				if t.Failures == k.limit && strings.HasPrefix(k.key, "login:account:") {
					userID := strings.TrimPrefix(k.key, "login:account:")
					if err := a.audit(ctx, tx, System, "account.locked", userID,
						fmt.Sprintf("密码连续输错 %d 次，账号锁定至 %s", k.limit, t.LockedUntil.In(kaowu.Shanghai).Format("2006-01-02 15:04"))); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	return first, err
}

// resolveLogin returns the one live account a login name designates.
func (a *App) resolveLogin(ctx context.Context, login string) (kaowu.Account, bool, error) {
	if !utf8.ValidString(login) || strings.TrimSpace(login) == "" || len(login) > 64 {
		return kaowu.Account{}, false, nil
	}
	accs, err := a.Store.AccountsByLogin(ctx, login)
	if err != nil {
		return kaowu.Account{}, false, err
	}
	if len(accs) > 1 {
		return kaowu.Account{}, false, kaowu.FieldError("login", "该证件号码对应多个账号，请改用用户名登录")
	}
	if len(accs) == 0 {
		return kaowu.Account{}, false, nil
	}
	return accs[0], true, nil
}

// Login checks a username or ID number and a password (二（一）4(1)). Five
// wrong passwords in a row lock the account for 15 minutes; many failures
// from one address lock that address. It returns the account on success.
func (a *App) Login(ctx context.Context, login, password, ip string) (kaowu.Account, error) {
	ipKey := throttleKey{"login:ip:" + ip, IPFailures, IPLock}
	if err := a.checkLock(ctx, ipKey.key, "本机登录失败次数过多", loginAdvice); err != nil {
		return kaowu.Account{}, err
	}
	if len(password) > 512 {
		password = password[:512]
	}
	acc, found, err := a.resolveLogin(ctx, login)
	if err != nil {
		return kaowu.Account{}, err
	}
	if !found || acc.PasswordHash == "" {
		verifySecret(dummyHash, password)
		if _, err := a.fail(ctx, ipKey); err != nil {
			return kaowu.Account{}, err
		}
		return kaowu.Account{}, errBadLogin(0)
	}
	accKey := throttleKey{"login:account:" + acc.ID, AccountFailures, AccountLock}
	counter, err := a.lockState(ctx, accKey.key, fmt.Sprintf("密码连续输错 %d 次，账号已锁定 %d 分钟", AccountFailures, int(AccountLock/time.Minute)), loginAdvice)
	if err != nil {
		return kaowu.Account{}, err
	}
	if !verifySecret(acc.PasswordHash, password) {
		t, err := a.fail(ctx, accKey, ipKey)
		if err != nil {
			return kaowu.Account{}, err
		}
		if !t.LockedUntil.IsZero() {
			return kaowu.Account{}, lockedError(fmt.Sprintf("密码连续输错 %d 次，账号已锁定 %d 分钟", AccountFailures, int(AccountLock/time.Minute)), t.LockedUntil, loginAdvice)
		}
		return kaowu.Account{}, errBadLogin(AccountFailures - t.Failures)
	}
	if counter.Failures > 0 { // a success forgets earlier failures
		err = a.Store.Update(ctx, func(tx *store.Tx) error { return tx.ClearThrottle(ctx, accKey.key) })
		if err != nil {
			return kaowu.Account{}, err
		}
	}
	return acc, nil
}

// Account returns a live account by id (for sessions).
func (a *App) Account(ctx context.Context, id string) (kaowu.Account, error) {
	acc, err := a.Store.Account(ctx, id)
	if err != nil {
		return acc, err
	}
	if acc.Deleted() {
		return acc, kaowu.Errorf(kaowu.ENOTFOUND, "账号已注销")
	}
	return acc, nil
}

// LogoutEverywhere ends every session of the actor's account, on every
// device and server.
func (a *App) LogoutEverywhere(ctx context.Context, actor Actor) error {
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return err
	}
	return a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.BumpSessionEpoch(ctx, me.ID); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "account.logout_everywhere", me.ID, "退出所有设备上的登录")
	})
}

// ChangePassword sets a new password after checking the current one; the
// account's other sessions end.
func (a *App) ChangePassword(ctx context.Context, actor Actor, current, next, confirm string) error {
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return err
	}
	f := fieldErrors{}
	if !verifySecret(me.PasswordHash, current) {
		f.add("current_password", "当前密码不正确")
	}
	f.password("password", next, me.Username, string(me.IDNumber))
	if next != confirm {
		f.add("password_confirm", "两次输入的密码不一致")
	}
	if err := f.err(); err != nil {
		return err
	}
	hash, err := hashSecret(next)
	if err != nil {
		return err
	}
	return a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetPassword(ctx, me.ID, hash); err != nil {
			return err
		}
		return a.audit(ctx, tx, actor, "account.password_changed", me.ID, "修改密码（其他设备上的登录已退出）")
	})
}

// ChangeMobile sets the mobile number of the actor's own account: a new
// phone, or one entered again after the retention period removed it.
func (a *App) ChangeMobile(ctx context.Context, actor Actor, mobile string) error {
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return err
	}
	f := fieldErrors{}
	mobile = f.mobile("mobile", mobile)
	if err := f.err(); err != nil {
		return err
	}
	return a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetMobile(ctx, me.ID, mobile); err != nil {
			return err
		}
		return a.auditChange(ctx, tx, actor, "account.mobile_changed", me.ID, "修改手机号码",
			map[string]string{"mobile": maskMobile(me.Mobile)}, map[string]string{"mobile": maskMobile(mobile)})
	})
}

// RecoveryQuestion returns the recovery question of the account a login
// name designates.
func (a *App) RecoveryQuestion(ctx context.Context, login string) (string, error) {
	acc, found, err := a.resolveLogin(ctx, login)
	if err != nil {
		return "", err
	}
	if !found || acc.RecoveryQuestion == "" {
		return "", &kaowu.Error{Code: kaowu.ENOTFOUND, Message: "找不到该账号，或该账号没有设置密码找回问题。请核对用户名或证件号码；仍无法找回的，请联系所在考点考试管理机构（二（一）4(3)）。",
			Fields: map[string]string{"login": "找不到该账号"}}
	}
	return acc.RecoveryQuestion, nil
}

// Recover sets a new password for the account a login name designates
// when the recovery answer is right (二（一）4(2)). Wrong answers are
// throttled like wrong passwords.
func (a *App) Recover(ctx context.Context, login, answer, password, confirm, ip string) error {
	// The answer is verified (argon2id, ~40 ms) before the write
	// transaction, so that it does not hold the SQLite writer.
	return a.resetPassword(ctx, "recover", login, password, confirm, ip, func(acc kaowu.Account) bool {
		return verifySecret(acc.RecoveryAnswerHash, normalizeAnswer(answer))
	}, nil)
}

// ResetWithCode sets a new password with a one-time code issued by the site
// office (二（一）4(3)). The code works once, within 24 hours.
func (a *App) ResetWithCode(ctx context.Context, login, code, password, confirm, ip string) error {
	return a.resetPassword(ctx, "reset", login, password, confirm, ip, nil, func(tx *store.Tx, acc kaowu.Account) (bool, error) {
		return tx.UseResetCode(ctx, acc.ID, hashCode(code), a.Clock.Now())
	})
}

// resetPassword is the shared path of Recover and ResetWithCode: throttle,
// validate the new password, prove (before the transaction, or inside it
// when the proof is a write such as using up a code), set.
func (a *App) resetPassword(ctx context.Context, kind, login, password, confirm, ip string,
	proveBefore func(kaowu.Account) bool, proveInside func(*store.Tx, kaowu.Account) (bool, error)) error {
	ipKey := throttleKey{kind + ":ip:" + ip, IPFailures, IPLock}
	if err := a.checkLock(ctx, ipKey.key, "本机尝试次数过多", ""); err != nil {
		return err
	}
	acc, found, err := a.resolveLogin(ctx, login)
	if err != nil {
		return err
	}
	if !found {
		if _, err := a.fail(ctx, ipKey); err != nil {
			return err
		}
		return &kaowu.Error{Code: kaowu.ENOTFOUND, Message: "找不到该账号，请核对用户名或证件号码", Fields: map[string]string{"login": "找不到该账号"}}
	}
	accKey := throttleKey{kind + ":account:" + acc.ID, AccountFailures, AccountLock}
	if err := a.checkLock(ctx, accKey.key, fmt.Sprintf("连续 %d 次验证失败，找回密码已暂停 %d 分钟", AccountFailures, int(AccountLock/time.Minute)), ""); err != nil {
		return err
	}
	f := fieldErrors{}
	f.password("password", password, acc.Username, string(acc.IDNumber))
	if password != confirm {
		f.add("password_confirm", "两次输入的密码不一致")
	}
	if err := f.err(); err != nil {
		return err
	}
	hash, err := hashSecret(password)
	if err != nil {
		return err
	}
	how := "code"
	proved := true
	if proveBefore != nil {
		how, proved = "answer", proveBefore(acc)
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if !proved {
			return nil
		}
		if proveInside != nil {
			var err error
			if proved, err = proveInside(tx, acc); err != nil || !proved {
				return err
			}
		}
		if err := tx.SetPassword(ctx, acc.ID, hash); err != nil {
			return err
		}
		for _, k := range []string{accKey.key, "login:account:" + acc.ID} {
			if err := tx.ClearThrottle(ctx, k); err != nil {
				return err
			}
		}
		detail := "通过密码找回问题重设密码（二（一）4(2)）"
		if how == "code" {
			detail = "使用考点签发的一次性重置码重设密码（二（一）4(3)）"
		}
		return a.audit(ctx, tx, Actor{Username: acc.Username, Role: acc.Role}, "account.password_reset", acc.ID, detail)
	})
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	if !proved {
		t, err := a.fail(ctx, accKey, ipKey)
		if err != nil {
			return err
		}
		if !t.LockedUntil.IsZero() {
			return lockedError(fmt.Sprintf("连续 %d 次验证失败，找回密码已暂停 %d 分钟", AccountFailures, int(AccountLock/time.Minute)), t.LockedUntil, "")
		}
		if how == "code" {
			return kaowu.FieldError("code", "重置码不正确、已使用或已过期（有效期 24 小时，只能使用一次）")
		}
		return kaowu.FieldError("answer", "答案不正确")
	}
	return nil
}

// IdentityMethod is how a person was proven to be an account's holder
// before a password reset (二（一）4(3)).
type IdentityMethod string

// The desk check is what works here; face verification is the
// mini-program's, reached through a FaceVerifier.
const (
	IdentityDesk IdentityMethod = "desk"
	IdentityFace IdentityMethod = "face_verification"
)

// IdentityCheck records an identity verification: the method and what was
// checked (e.g. "核验居民身份证原件").
type IdentityCheck struct {
	Method IdentityMethod
	Note   string
}

// FaceVerifier is the interface of a face verification service (人脸识别,
// 二（一）4(3)): it tells whether a verification token proves that the
// person is the holder of the identity document. No such service is
// reachable here; NoFaceVerifier says so, and candidates are sent to the
// site office, which issues a reset code (IssueResetCode).
type FaceVerifier interface {
	VerifyFace(ctx context.Context, idType kaowu.IDType, idNumber kaowu.IDNumber, name, token string) (bool, error)
}

// NoFaceVerifier is the FaceVerifier of a system without face verification.
type NoFaceVerifier struct{}

// VerifyFace always refuses, pointing to the site office.
func (NoFaceVerifier) VerifyFace(context.Context, kaowu.IDType, kaowu.IDNumber, string, string) (bool, error) {
	return false, kaowu.Errorf(kaowu.EFORBIDDEN, "本系统暂不支持人脸识别。请携带本人有效身份证件到所在考点考试管理机构核验身份，领取一次性重置码后重设密码（二（一）4(3)）。")
}

const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789" // no 0/O, 1/I/L

// newCode returns a random code of 12 characters from codeAlphabet (about 59
// bits), grouped by 4 for reading aloud.
func newCode() string {
	b := make([]byte, 12)
	rand.Read(b)
	var s strings.Builder
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			s.WriteByte('-')
		}
		s.WriteByte(codeAlphabet[int(x)%len(codeAlphabet)])
	}
	return s.String()
}

// hashCode returns the stored form of a reset code: SHA-256 of the code
// without separators, upper case. A fast hash suffices: the code is random
// with ~59 bits and single-use within 24 hours, unlike a password.
func hashCode(code string) string {
	c := strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(code))
	sum := sha256.Sum256([]byte("kaowu-reset:" + c))
	return hex.EncodeToString(sum[:])
}

// IssueResetCode issues a one-time password reset code for a candidate
// whose identity the site office has verified in person (二（一）4(3)). The
// code is shown once; only its hash is stored; it expires in 24 hours and
// retires the candidate's earlier codes.
func (a *App) IssueResetCode(ctx context.Context, actor Actor, candidateID string, check IdentityCheck) (string, time.Time, error) {
	if actor.Role != kaowu.RoleSiteStaff && actor.Role != kaowu.RoleAdmin {
		return "", time.Time{}, kaowu.Errorf(kaowu.EFORBIDDEN, "只有考点考试管理机构可以签发密码重置码")
	}
	if check.Method != IdentityDesk && check.Method != IdentityFace {
		return "", time.Time{}, kaowu.FieldError("method", "请说明身份核验方式")
	}
	f := fieldErrors{}
	note := f.text("note", "核验说明", check.Note, 2, 100)
	if err := f.err(); err != nil {
		return "", time.Time{}, err
	}
	cand, err := a.authorize(ctx, actor, candidateID, false)
	if err != nil {
		return "", time.Time{}, err
	}
	code := newCode()
	now := a.Clock.Now()
	expires := now.Add(ResetCodeLifetime)
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.IssueResetCode(ctx, store.ResetCode{UserID: cand.ID, CodeHash: hashCode(code), Method: string(check.Method),
			IssuedBy: actor.Username, IssuedAt: now, ExpiresAt: expires}); err != nil {
			return err
		}
		return a.auditChange(ctx, tx, actor, "account.reset_code_issued", cand.ID,
			fmt.Sprintf("核验身份（%s：%s）后签发一次性密码重置码，有效至 %s（二（一）4(3)）", check.Method, note,
				expires.In(kaowu.Shanghai).Format("2006-01-02 15:04")), nil, identityOf(cand))
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("issue reset code: %w", err)
	}
	return code, expires, nil
}

// hashSecret and verifySecret hash passwords and recovery answers
// (argon2id, internal/auth). They are variables only so that the package's
// tests can swap in a cheap hash for the tests that create hundreds of
// accounts under the race detector (export_test.go).
var (
	hashSecret   = auth.Hash
	verifySecret = auth.Verify
)
