//! The throwaway PostgreSQL of the server tests (tests/common/pg.rs) itself: it starts from
//! the machine's binaries, answers on TCP with a password and on its unix socket, stops on
//! drop and can be stopped and started again.

#[path = "common/pg.rs"]
mod pg;

use pg::Pg;

#[test]
fn a_cluster_starts_answers_and_stops() {
    let pg = Pg::start();
    assert_eq!(pg.psql("postgres", "SELECT 1 + 1"), "2");
    let url = pg.new_database("harness");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("TCP with password");
    let row = client.query_one("SELECT current_database()", &[]).unwrap();
    assert_eq!(row.get::<_, String>(0), "harness");
    // The password is checked: a wrong one is refused.
    let wrong = url.replace(pg::PASSWORD, "wrong");
    assert!(postgres::Client::connect(&wrong, postgres::NoTls).is_err());
    drop(client);

    pg.stop_immediate();
    assert!(postgres::Client::connect(&url, postgres::NoTls).is_err());
    pg.restart();
    pg.wait_ready();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("back after restart");
    assert_eq!(
        client.query_one("SELECT 3", &[]).unwrap().get::<_, i32>(0),
        3
    );
    drop(client);

    let dir = pg.dir().to_path_buf();
    let port = pg.port();
    drop(pg);
    assert!(!dir.exists(), "the cluster's directory is removed");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "the server is stopped"
    );
}

#[test]
fn the_shared_cluster_is_one_per_test_binary() {
    let a = Pg::shared();
    let b = Pg::shared();
    assert_eq!(a.port(), b.port());
    assert_eq!(a.psql("postgres", "SELECT 'ok'"), "ok");
}
