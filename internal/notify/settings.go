package notify

import (
	"context"
	"flag"
)

// Settings are the reminder channels' command-line settings (see
// docs/reminders.md). Every serve process of one database must have the
// same ones.
type Settings struct {
	SMTPAddr, SMTPFrom, SMTPUser, SMTPPassword string
	WeChatAPI, WeChatAppID, WeChatSecret       string
	WeChatTemplate                             string
	PublicURL                                  string
}

// Register defines the flags --smtp-addr, --smtp-from, --smtp-user,
// --smtp-password, --wechat-api, --wechat-appid, --wechat-secret,
// --wechat-template and --public-url on fs.
func (s *Settings) Register(fs *flag.FlagSet) {
	fs.StringVar(&s.SMTPAddr, "smtp-addr", "", "待办事项提醒邮件的 SMTP 服务器（host:port）；为空则不发邮件")
	fs.StringVar(&s.SMTPFrom, "smtp-from", "北京市丰台区考点 <kaowu@localhost>", "提醒邮件的发件人")
	fs.StringVar(&s.SMTPUser, "smtp-user", "", "SMTP 用户名（可选，仅经 STARTTLS 或本机使用）")
	fs.StringVar(&s.SMTPPassword, "smtp-password", "", "SMTP 密码")
	fs.StringVar(&s.WeChatAPI, "wechat-api", DefaultWeChatAPI, "微信公众号接口地址（演示时为本机模拟服务）")
	fs.StringVar(&s.WeChatAppID, "wechat-appid", "", "微信公众号 AppID；为空则不发微信模板消息")
	fs.StringVar(&s.WeChatSecret, "wechat-secret", "", "微信公众号 AppSecret")
	fs.StringVar(&s.WeChatTemplate, "wechat-template", "", "“待办事项提醒”模板消息的 template_id")
	fs.StringVar(&s.PublicURL, "public-url", "", "本系统的公网地址（如 https://kaowu.example.org），用于提醒中的链接")
}

// Channels returns the external channels the settings turn on: email when
// --smtp-addr is set (and emailOf is not nil), WeChat when --wechat-appid
// is set (and openIDOf is not nil). emailOf returns the address on file of
// a user, openIDOf the openid of their WeChat binding.
func (s Settings) Channels(emailOf, openIDOf func(ctx context.Context, userID string) (string, bool)) ([]Channel, error) {
	var out []Channel
	if s.SMTPAddr != "" && emailOf != nil {
		e, err := NewEmail(s.SMTPAddr, s.SMTPFrom, emailOf)
		if err != nil {
			return nil, err
		}
		e.Username, e.Password, e.LinkBase = s.SMTPUser, s.SMTPPassword, s.PublicURL
		out = append(out, e)
	}
	if s.WeChatAppID != "" && openIDOf != nil {
		w, err := NewWeChat(s.WeChatAPI, s.WeChatAppID, s.WeChatSecret, s.WeChatTemplate, openIDOf)
		if err != nil {
			return nil, err
		}
		w.LinkBase = s.PublicURL
		out = append(out, w)
	}
	return out, nil
}
