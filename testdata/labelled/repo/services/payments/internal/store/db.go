package store

import "github.com/go-sql-driver/mysql"

// Config for the payments database.
func Config() *mysql.Config {
	return &mysql.Config{
		User:   "payments",
		Passwd: "viBT^n_49@MOLXhhN^v*e",
		Net:    "tcp",
		Addr:   "mysql.acme.internal:3306",
		DBName: "payments",
	}
}
