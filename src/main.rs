fn main() -> std::process::ExitCode {
    sufler::cli::run()
}
