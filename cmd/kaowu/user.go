package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"kaowu"
	"kaowu/internal/app"
	"kaowu/internal/store"
)

const userUsage = `用法：
  kaowu user add --role ROLE --username NAME --name 姓名 [--unit 单位ID或名称 | --site 考点代码 | --military-unit 军队单位名称] [--password-stdin]
      角色：unit_hr（须 --unit）、site_staff（须 --site，如 fengtai）、region_staff、military_unit（须 --military-unit）、admin。
      密码：--password-stdin 时从标准输入读取一行；否则自动生成并只显示这一次。考生账号由考生在网站注册。
  kaowu user list [--role ROLE]
以上命令都接受 --db 指定数据库（默认 kaowu.db）。`

func userCmd(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stdout, userUsage)
		return nil
	}
	sub := args[0]
	fs := newFlags("user "+sub, e)
	var c common
	c.register(fs, "kaowu.db")
	role := fs.String("role", "", "角色")
	username := fs.String("username", "", "用户名")
	name := fs.String("name", "", "姓名")
	unit := fs.String("unit", "", "单位人事：所属单位的 ID 或名称")
	site := fs.String("site", "", "考点工作人员：考点代码")
	military := fs.String("military-unit", "", "军队单位：单位名称")
	fromStdin := fs.Bool("password-stdin", false, "从标准输入读取密码")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if sub != "add" && sub != "list" {
		return fmt.Errorf("未知的子命令 %q\n%s", sub, userUsage)
	}
	if len(fs.Args()) != 0 {
		return fmt.Errorf("多余的参数 %v\n%s", fs.Args(), userUsage)
	}
	var password string
	if sub == "add" && *fromStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("没有从标准输入读到密码")
		}
		password = strings.TrimRight(line, "\r\n")
		if password == "" {
			return fmt.Errorf("没有从标准输入读到密码")
		}
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Store.Close()
	switch sub {
	case "add":
		acc, pw, err := a.CreateStaff(ctx, cliActor(), app.StaffInput{Role: kaowu.Role(*role), Username: *username, Name: *name,
			Password: password, Unit: *unit, Site: *site, MilitaryUnit: *military})
		if err != nil {
			if f := kaowu.ErrorFields(err); len(f) > 0 {
				var b strings.Builder
				for k, v := range f {
					fmt.Fprintf(&b, "\n  --%s：%s", strings.ReplaceAll(k, "_", "-"), v)
				}
				return fmt.Errorf("%s%s", kaowu.ErrorMessage(err), b.String())
			}
			return err
		}
		fmt.Fprintf(e.stdout, "已创建 %s 账号 %s（%s）。\n", acc.Role.Label(), acc.Username, acc.Name)
		if password == "" {
			fmt.Fprintf(e.stdout, "初始密码（只显示这一次，请转交本人）：%s\n", pw)
		}
	case "list":
		accs, err := a.Users(ctx, cliActor(), store.AccountFilter{Role: kaowu.Role(*role), Limit: 1000})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "用户名\t姓名\t角色\t范围")
		for _, u := range accs {
			scope := u.Site + u.MilitaryUnit + u.UnitID
			if u.IDType != "" {
				scope = u.IDType.Label() + " " + u.IDNumber.String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Username, u.Name, u.Role.Label(), scope)
		}
		tw.Flush()
	}
	return nil
}
