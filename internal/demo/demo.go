// Package demo fills a database with demonstration data: units of every
// confirmation-day category, staff accounts for every role, and candidates.
// Seeding is idempotent: a database seeded once is left as it is.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/auth"
	"kaowu/internal/store"
)

// Password is the password of every demo account.
const Password = "Kaowu@2024"

// RecoveryAnswer is the (normalised) recovery answer of every demo
// candidate.
const RecoveryAnswer = "演示"

// IDNumber returns the resident ID number of demo candidate i: a Fengtai
// (110106) number born 1985–1999, valid by GB 11643.
func IDNumber(i int) kaowu.IDNumber {
	s := fmt.Sprintf("110106%04d%02d%02d%03d", 1985+i%15, i%12+1, i%28+1, i%1000)
	return kaowu.IDNumber(s + string(kaowu.GBCheckChar(s)))
}

// Now is the instant the demo runs at unless --now says otherwise: inside
// the 2024 online application window.
const Now = "2023-12-05T10:00:00+08:00"

// Login is one demo account to print at start.
type Login struct {
	Role     kaowu.Role
	Username string
	Note     string
}

const seededKey = "demo_seeded"

// units are the demo units: every confirmation-day category in 丰台区, and
// a few in 朝阳区 so that site-by-district rules have something to refuse.
var units = []kaowu.Unit{
	{Name: "丰台区直属第一医院", District: "丰台区", Category: "direct_hospital"},
	{Name: "丰台区方庄社区卫生服务中心", District: "丰台区", Category: "direct_community"},
	{Name: "解放军总医院第五医学中心", District: "丰台区", Category: "fifth_medical_center"},
	{Name: "丰台区驻区三甲医院", District: "丰台区", Category: "garrison_hospital"},
	{Name: "丰台康华民营医院", District: "丰台区", Category: "private_hospital", Private: true},
	{Name: "丰台区卢沟桥社区卫生服务站", District: "丰台区", Category: "other_community"},
	{Name: "丰台区和平门诊部", District: "丰台区", Category: "clinic", Private: true},
	{Name: "朝阳区某三甲医院", District: "朝阳区", Category: "direct_hospital"},
	{Name: "朝阳区望京社区卫生服务中心", District: "朝阳区", Category: "direct_community"},
}

// Seed creates the demo data unless the database has it already, and
// returns the logins to show. It reports whether it created anything.
func Seed(ctx context.Context, a *app.App, candidates int) ([]Login, bool, error) {
	logins := []Login{
		{kaowu.RoleAdmin, "admin", "系统管理员"},
		{kaowu.RoleRegionStaff, "region", "北京考区考试管理机构"},
		{kaowu.RoleSiteStaff, "fengtai", "丰台考点考试管理机构"},
		{kaowu.RoleUnitHR, "hr-direct", "单位人事：" + units[0].Name},
		{kaowu.RoleUnitHR, "hr-private", "单位人事：" + units[4].Name},
		{kaowu.RoleMilitaryUnit, "military", "驻丰台团级以上军队单位"},
		{kaowu.RoleCandidate, "cand0001", fmt.Sprintf("考生（共 %d 名：cand0001 … cand%04d；也可用证件号码 %s 登录）", candidates, candidates, string(IDNumber(1)))},
	}
	if _, err := a.Store.Setting(ctx, seededKey); err == nil {
		return logins, false, nil
	} else if kaowu.ErrorCode(err) != kaowu.ENOTFOUND {
		return nil, false, err
	}
	// One hash for every demo account: hashing hundreds with argon2id would
	// take longer than a demo should take to start.
	hash, err := auth.Hash(Password)
	if err != nil {
		return nil, false, err
	}
	answer, err := auth.Hash(RecoveryAnswer)
	if err != nil {
		return nil, false, err
	}
	now := a.Clock.Now()
	rng := rand.New(rand.NewPCG(2024, 1))
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		for i := range units {
			u := units[i]
			u.CreatedAt = now
			if err := tx.CreateUnit(ctx, &u); err != nil {
				return err
			}
			units[i].ID = u.ID
		}
		staff := []kaowu.User{
			{Username: "admin", Name: "系统管理员", Role: kaowu.RoleAdmin},
			{Username: "region", Name: "考区管理员", Role: kaowu.RoleRegionStaff},
			{Username: "fengtai", Name: "丰台考点管理员", Role: kaowu.RoleSiteStaff, Site: "fengtai"},
			{Username: "hr-direct", Name: "直属医院人事", Role: kaowu.RoleUnitHR, UnitID: units[0].ID},
			{Username: "hr-private", Name: "民营医院人事", Role: kaowu.RoleUnitHR, UnitID: units[4].ID},
			{Username: "military", Name: "军队单位干部", Role: kaowu.RoleMilitaryUnit, MilitaryUnit: "驻丰台某团"},
		}
		for i := range staff {
			staff[i].PasswordHash, staff[i].CreatedAt = hash, now
			if err := tx.CreateUser(ctx, &staff[i]); err != nil {
				return err
			}
		}
		for i := 1; i <= candidates; i++ {
			u := kaowu.Account{
				User: kaowu.User{
					Username:     fmt.Sprintf("cand%04d", i),
					Name:         name(rng, i),
					Role:         kaowu.RoleCandidate,
					PasswordHash: hash,
					UnitID:       units[rng.IntN(len(units))].ID,
					CreatedAt:    now,
				},
				IDType:             kaowu.IDResident,
				IDNumber:           IDNumber(i),
				Mobile:             fmt.Sprintf("139%08d", i),
				RecoveryQuestion:   "演示账号的密码找回问题（答案为“演示”）",
				RecoveryAnswerHash: answer,
			}
			if err := tx.CreateAccount(ctx, &u); err != nil {
				return err
			}
		}
		if err := tx.AppendAudit(ctx, kaowu.AuditEntry{At: now, Actor: "system", Role: kaowu.RoleAdmin,
			Action: "demo.seed", Object: "demo", Detail: fmt.Sprintf("创建演示数据：%d 个单位，%d 个工作人员账号，%d 名考生", len(units), len(staff), candidates)}); err != nil {
			return err
		}
		return tx.PutSetting(ctx, seededKey, now.UTC().Format("2006-01-02T15:04:05Z"))
	})
	if err != nil {
		return nil, false, fmt.Errorf("seed demo: %w", err)
	}
	counts, err := seedApplications(ctx, a.Store, candidates)
	if err != nil {
		return nil, false, err
	}
	if _, err := a.ImportRooms(ctx, app.System, "fengtai", rooms, "演示数据"); err != nil {
		return nil, false, fmt.Errorf("seed rooms: %w", err)
	}
	logins = append(logins, Login{kaowu.RoleCandidate, "cand0041", fmt.Sprintf("上一年度考生：已自动确认（其中 cand0056 起信息有变，自动确认失败）；共 %d 份已确认、%d 份已提交、%d 份草稿",
		counts[string(kaowu.StateConfirmed)], counts[string(kaowu.StateSubmitted)], counts["draft"])})
	return logins, true, nil
}

// rooms are the Fengtai site's exam venues and rooms (四, 五): a school
// for the paper exam and a vocational centre's computer rooms, one of
// them with broken machines and one not open on the last two days.
var rooms = [][]string{
	{"考试地点", "地址", "乘车路线", "考场", "类型", "座位数", "每排座位数", "可用机位数", "可用日期", "启用"},
	{"北京市丰台区第八中学", "丰台区东安街头条8号", "地铁9号线丰台东大街站B口出，向东步行约300米", "第01考场", "纸笔考场", "30", "6", "", "", "是"},
	{"北京市丰台区第八中学", "", "", "第02考场", "纸笔考场", "30", "6", "", "", "是"},
	{"北京市丰台区职业教育中心", "丰台区造甲村南1号", "公交300路、971路造甲村站下车", "机房A301", "计算机考场", "40", "8", "38", "", "是"},
	{"北京市丰台区职业教育中心", "", "", "机房A302", "计算机考场", "40", "8", "40", "4月13日、4月14日", "是"},
	{"北京市丰台区职业教育中心", "", "", "机房A303", "计算机考场", "36", "6", "36", "", "是"},
}

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given    = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"}
	// rare are names with rare characters (生僻字), one outside the Basic
	// Multilingual Plane, that every page and PDF must show correctly.
	rare = []string{"堃", "喆", "玥", "昇", "䶮", "𠮷", "犇", "淼"}
)

func name(rng *rand.Rand, i int) string {
	s := string(surnames[rng.IntN(len(surnames))])
	if i%25 == 0 {
		return s + rare[(i/25)%len(rare)]
	}
	return s + given[rng.IntN(len(given))]
}
