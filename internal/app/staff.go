package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"

	"kaowu"
	"kaowu/internal/store"
)

// StaffInput is a staff account to create. Unit HR is bound to a unit (an
// id or the exact name), site staff to a site code of the current year,
// military staff to a military unit's name. An empty Password is generated.
type StaffInput struct {
	Role         kaowu.Role
	Username     string
	Name         string
	Password     string
	Unit         string
	Site         string
	MilitaryUnit string
}

// CreateStaff creates a staff account (admin only) and returns it with the
// password: the one given, or a generated one to be shown once.
func (a *App) CreateStaff(ctx context.Context, actor Actor, in StaffInput) (kaowu.Account, string, error) {
	if actor.Role != kaowu.RoleAdmin {
		return kaowu.Account{}, "", kaowu.Errorf(kaowu.EFORBIDDEN, "只有系统管理员可以创建工作人员账号")
	}
	f := fieldErrors{}
	acc := kaowu.Account{User: kaowu.User{Role: in.Role, CreatedAt: a.Clock.Now()}}
	switch {
	case in.Role == kaowu.RoleCandidate:
		f.add("role", "考生账号由考生本人在网站注册，不能由管理员创建")
	case !in.Role.Valid():
		f.add("role", "请选择角色：unit_hr、site_staff、region_staff、military_unit 或 admin")
	}
	acc.Username = f.username("username", in.Username)
	acc.Name = f.name("name", in.Name)
	switch in.Role {
	case kaowu.RoleUnitHR:
		if in.Unit == "" {
			f.add("unit", "单位人事账号必须指定所属单位")
			break
		}
		u, err := a.findUnit(ctx, in.Unit)
		if err != nil {
			if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
				return kaowu.Account{}, "", err
			}
			f.add("unit", fmt.Sprintf("单位“%s”不存在", in.Unit))
		}
		acc.UnitID = u.ID
	case kaowu.RoleSiteStaff:
		ok, err := a.siteExists(ctx, in.Site)
		if err != nil {
			return kaowu.Account{}, "", err
		}
		if !ok {
			f.add("site", fmt.Sprintf("考点代码“%s”不存在（如 fengtai）", in.Site))
		}
		acc.Site = in.Site
	case kaowu.RoleMilitaryUnit:
		acc.MilitaryUnit = f.text("military_unit", "军队单位名称", in.MilitaryUnit, 2, 50)
	}
	if in.Role != kaowu.RoleUnitHR && in.Unit != "" || in.Role != kaowu.RoleSiteStaff && in.Site != "" ||
		in.Role != kaowu.RoleMilitaryUnit && in.MilitaryUnit != "" {
		f.add("role", "只有单位人事指定单位，考点工作人员指定考点，军队单位指定军队单位名称")
	}
	pw := in.Password
	if pw == "" {
		pw = GeneratePassword()
	}
	f.password("password", pw, acc.Username, "")
	if err := f.err(); err != nil {
		return kaowu.Account{}, "", err
	}
	var err error
	if acc.PasswordHash, err = hashSecret(pw); err != nil {
		return kaowu.Account{}, "", err
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAccount(ctx, &acc); err != nil {
			return err
		}
		return a.auditChange(ctx, tx, actor, "staff.create", acc.ID,
			fmt.Sprintf("创建工作人员账号 %s（%s）", acc.Username, acc.Role.Label()), nil,
			map[string]string{"username": acc.Username, "name": acc.Name, "role": string(acc.Role), "unit_id": acc.UnitID, "site": acc.Site, "military_unit": acc.MilitaryUnit})
	})
	if err != nil {
		return kaowu.Account{}, "", fmt.Errorf("create staff: %w", err)
	}
	return acc, pw, nil
}

func (a *App) findUnit(ctx context.Context, idOrName string) (kaowu.Unit, error) {
	u, err := a.Store.Unit(ctx, idOrName)
	if err == nil || kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return u, err
	}
	units, err := a.Store.Units(ctx)
	if err != nil {
		return kaowu.Unit{}, err
	}
	for _, u := range units {
		if u.Name == idOrName {
			return u, nil
		}
	}
	return kaowu.Unit{}, kaowu.Errorf(kaowu.ENOTFOUND, "单位不存在")
}

// Users lists accounts for the admin page.
func (a *App) Users(ctx context.Context, actor Actor, filter store.AccountFilter) ([]kaowu.Account, error) {
	if actor.Role != kaowu.RoleAdmin {
		return nil, kaowu.Errorf(kaowu.EFORBIDDEN, "只有系统管理员可以查看账号列表")
	}
	return a.Store.Accounts(ctx, filter)
}

// FindCandidate looks up a candidate by ID number or username, for the site
// office's desk, within the actor's scope.
func (a *App) FindCandidate(ctx context.Context, actor Actor, query string) (kaowu.Account, error) {
	if actor.Role == kaowu.RoleCandidate {
		return kaowu.Account{}, kaowu.Errorf(kaowu.EFORBIDDEN, "您无权查询其他考生")
	}
	accs, err := a.Store.AccountsByLogin(ctx, query)
	if err != nil {
		return kaowu.Account{}, err
	}
	for _, acc := range accs {
		if acc.Role != kaowu.RoleCandidate {
			continue
		}
		if c, err := a.authorize(ctx, actor, acc.ID, false); err == nil {
			return c, nil
		}
	}
	return kaowu.Account{}, &kaowu.Error{Code: kaowu.ENOTFOUND, Message: "在您负责的范围内没有找到该考生", Fields: map[string]string{"q": "没有找到该考生"}}
}

// GeneratePassword returns a random 16-character password that satisfies
// the password policy.
func GeneratePassword() string {
	const (
		upper  = "ABCDEFGHJKMNPQRSTUVWXYZ"
		lower  = "abcdefghijkmnpqrstuvwxyz"
		digits = "23456789"
		symbol = "@#%+=!"
	)
	pick := func(set string) byte {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		return set[n.Int64()]
	}
	all := upper + lower + digits + symbol
	b := []byte{pick(upper), pick(lower), pick(digits), pick(symbol)}
	for len(b) < 16 {
		b = append(b, pick(all))
	}
	for i := len(b) - 1; i > 0; i-- {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		j := n.Int64()
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
