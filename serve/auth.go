package serve

import (
	"crypto/subtle"
	"fmt"
	"os"

	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	gossh "golang.org/x/crypto/ssh"

	"github.com/archex/archex/classroom"
)

// roleKey is where a sign-in leaves the member's role, in the connection's
// permissions.
const roleKey = "archex-role"

// password signs a student in with the class code, a presenter with the
// presenter code. Wrong codes are slowed down per address, one attempt at a
// time.
func (s *Server) password(ctx ssh.Context, code string) bool {
	ip := remoteIP(ctx.RemoteAddr())
	release, ok := s.penalty.wait(s.ctx, ip, s.opts.Now)
	defer release()
	if !ok {
		return false
	}
	switch {
	case same(code, s.opts.PresenterCode):
		setRole(ctx, classroom.Presenter)
		return true
	case same(code, s.opts.ClassCode):
		setRole(ctx, classroom.Student)
		return true
	}
	s.penalty.fail(ip, s.opts.Now())
	s.logf("a wrong code from %s (user %q)", ip, classroom.Sanitize(ctx.User()))
	return false
}

// same compares codes in constant time.
func same(given, code string) bool {
	return subtle.ConstantTimeCompare([]byte(given), []byte(code)) == 1
}

func setRole(ctx ssh.Context, r classroom.Role) {
	p := ctx.Permissions()
	if p.Extensions == nil {
		p.Extensions = map[string]string{}
	}
	p.Extensions[roleKey] = r.String()
}

func roleOf(sess ssh.Session) classroom.Role {
	if sess.Permissions().Extensions[roleKey] == classroom.Presenter.String() {
		return classroom.Presenter
	}
	return classroom.Student
}

// publicKeyOption lets in, as students, the keys of --authorized-keys; it
// reads the file at every sign-in, so keys added during the class work.
func (s *Server) publicKeyOption() ssh.Option {
	if s.opts.AuthorizedKeys == "" {
		return func(*ssh.Server) error { return nil }
	}
	return wish.WithPublicKeyAuth(func(ctx ssh.Context, key ssh.PublicKey) bool {
		keys, err := readAuthorizedKeys(s.opts.AuthorizedKeys)
		if err != nil {
			s.logf("%v", err)
			return false
		}
		for _, k := range keys {
			if ssh.KeysEqual(key, k) {
				setRole(ctx, classroom.Student)
				return true
			}
		}
		return false
	})
}

// readAuthorizedKeys reads an authorized_keys file.
func readAuthorizedKeys(path string) ([]gossh.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--authorized-keys: %w", err)
	}
	var keys []gossh.PublicKey
	for len(data) > 0 {
		// It skips blank lines, comments and lines it cannot read.
		key, _, _, rest, err := gossh.ParseAuthorizedKey(data)
		if err != nil {
			break
		}
		keys = append(keys, key)
		data = rest
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("--authorized-keys %s: no public key in it (one a line, as in ~/.ssh/authorized_keys)", path)
	}
	return keys, nil
}
