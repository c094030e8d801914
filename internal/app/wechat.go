package app

import (
	"context"
	"fmt"
	"strings"

	"kaowu"
	"kaowu/internal/store"
)

// BindWeChat binds a WeChat identity (the openid the provider returned) to
// the actor's account. One WeChat identity per account and one account per
// WeChat identity (二（一）4(5)), by unique constraints.
func (a *App) BindWeChat(ctx context.Context, actor Actor, openID, unionID string) error {
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return err
	}
	if me.Role != kaowu.RoleCandidate {
		return kaowu.Errorf(kaowu.EFORBIDDEN, "只有考生账号需要绑定微信")
	}
	openID = strings.TrimSpace(openID)
	if openID == "" || len(openID) > 128 {
		return kaowu.Errorf(kaowu.EINVALID, "微信授权没有返回有效的身份，请重新绑定")
	}
	b := kaowu.WeChatBinding{UserID: me.ID, OpenID: openID, UnionID: unionID, BoundAt: a.Clock.Now()}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.BindWeChat(ctx, b); err != nil {
			return err
		}
		return a.auditChange(ctx, tx, actor, "wechat.bind", me.ID, "绑定微信（二（一）4(5)）", nil, map[string]string{"openid": maskOpenID(openID)})
	})
	if err != nil {
		return fmt.Errorf("bind wechat: %w", err)
	}
	return nil
}

// UnbindWeChat removes the binding of the actor's account. Without a
// binding the candidate cannot apply online (二（一）4(5)).
func (a *App) UnbindWeChat(ctx context.Context, actor Actor) error {
	me, err := a.actorAccount(ctx, actor)
	if err != nil {
		return err
	}
	err = a.Store.Update(ctx, func(tx *store.Tx) error {
		b, err := tx.UnbindWeChat(ctx, me.ID)
		if err != nil {
			return err
		}
		return a.auditChange(ctx, tx, actor, "wechat.unbind", me.ID, "解除微信绑定（解除后无法进行网上报名，二（一）4(5)）",
			map[string]string{"openid": maskOpenID(b.OpenID)}, nil)
	})
	if err != nil {
		return fmt.Errorf("unbind wechat: %w", err)
	}
	return nil
}

// RequireBinding refuses a candidate without a WeChat binding: the online
// application calls it before choosing an exam (二（一）4(5)).
func (a *App) RequireBinding(ctx context.Context, candidateID string) error {
	_, err := a.Store.WeChatBinding(ctx, candidateID)
	if kaowu.ErrorCode(err) == kaowu.ENOTFOUND {
		return kaowu.Errorf(kaowu.EFORBIDDEN, "请先绑定个人微信号：完成注册并绑定微信后才能选择考试项目进行报名（二（一）4(5)）。")
	}
	return err
}

// maskOpenID keeps the ends of an openid for the audit log.
func maskOpenID(s string) string {
	if len(s) <= 8 {
		return "****"
	}
	return s[:4] + "****" + s[len(s)-4:]
}
