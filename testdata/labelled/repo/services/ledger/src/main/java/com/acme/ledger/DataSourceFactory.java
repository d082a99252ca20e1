package com.acme.ledger;

import com.zaxxer.hikari.HikariDataSource;

final class DataSourceFactory {
    static HikariDataSource create() {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl("jdbc:postgresql://ledger-db.acme.internal:5432/ledger");
        ds.setUsername("ledger_app");
        ds.setPassword("k~%HIBv#IPQ1Oi1hsu20V");
        ds.setMaximumPoolSize(20);
        return ds;
    }
}
