package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"kaowu"
)

const exportPersonUsage = `用法：
  kaowu export-person --id-type resident_id --id-number 110106198801150603 [-o 文件]
  kaowu export-person --username zhangsan [-o 文件]
导出一名考生在系统中的全部个人信息（《个人信息保护法》第四十五条：查阅、复制）：账号（不含密码）、基本信息、
微信绑定、历年报名及每一版申报信息、现场确认和资格审核结论、订单、缴费、退款、准考证与座位、成绩、
注册信息修改申请、待办提醒、与其有关的操作日志。
  -o 文件.zip   JSON（person.json）连同照片和证明材料的压缩包
  -o 文件.json  只写 JSON（UTF-8，缩进）
  不给 -o       JSON 写到标准输出
证件号码在导出文件中完整显示（文件属于本人，请当面交付或加密传送）；日志和操作记录中仍为掩码。
考生本人也可在网站“我的账号”中下载（GET /me/export）。`

// exportPersonCmd writes one person's data.
func exportPersonCmd(ctx context.Context, args []string, e *env) error {
	fs := newFlags("export-person", e)
	fs.Usage = func() { fmt.Fprintln(e.stderr, exportPersonUsage); fs.PrintDefaults() }
	var c common
	c.register(fs, "kaowu.db")
	idType := fs.String("id-type", "resident_id", "证件类型："+idTypeList())
	idNumber := fs.String("id-number", "", "证件号码")
	username := fs.String("username", "", "用户名（代替证件类型和号码）")
	out := fs.String("o", "", "输出文件：.zip（含照片）或 .json；不给则 JSON 写到标准输出")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*idNumber == "") == (*username == "") {
		return kaowu.Errorf(kaowu.EINVALID, "请给出 --id-number（及 --id-type）或 --username 之一\n%s", exportPersonUsage)
	}
	if *out != "" && !strings.HasSuffix(*out, ".zip") && !strings.HasSuffix(*out, ".json") {
		return kaowu.Errorf(kaowu.EINVALID, "-o %s：文件名应以 .zip 或 .json 结尾", *out)
	}
	a, err := c.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Store.Close()
	var acc kaowu.Account
	if *username != "" {
		u, err := a.Store.UserByUsername(ctx, strings.ToLower(strings.TrimSpace(*username)))
		if err != nil {
			return err
		}
		acc.ID = u.ID
	} else {
		t := kaowu.IDType(*idType)
		if t.Label() == string(t) {
			return kaowu.Errorf(kaowu.EINVALID, "--id-type %q 无效，应为 %s", *idType, idTypeList())
		}
		if acc, err = a.Store.AccountByID(ctx, t, kaowu.IDNumber(kaowu.NormalizeIDNumber(*idNumber))); err != nil {
			return err
		}
	}
	x, err := a.ExportPerson(ctx, cliActor(), acc.ID)
	if err != nil {
		return err
	}
	var body []byte
	if strings.HasSuffix(*out, ".zip") {
		var buf bytes.Buffer
		if err := x.WriteZIP(&buf); err != nil {
			return err
		}
		body = buf.Bytes()
	} else if body, err = x.JSON(); err != nil {
		return err
	}
	if *out == "" {
		_, err := e.stdout.Write(body)
		return err
	}
	if err := os.WriteFile(*out, body, 0o600); err != nil {
		return fmt.Errorf("写入 %s：%w", *out, err)
	}
	fmt.Fprintf(e.stdout, "已导出 %s（%s）的个人信息到 %s：报名 %d 份，照片和证明材料 %d 个文件。\n",
		x.Account.Name, kaowu.IDNumber(x.Account.IDNumber).String(), *out, len(x.Apps), len(x.Files()))
	return nil
}

func idTypeList() string {
	var s []string
	for _, t := range kaowu.IDTypes {
		s = append(s, string(t)+"（"+t.Label()+"）")
	}
	return strings.Join(s, "、")
}
