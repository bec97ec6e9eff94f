#!/usr/bin/perl

# The province's name and its act from the configuration (issue 12):
# onestop_province names the province on every page, the dashboard
# included, and onestop_regulation the act that issues the portal's
# rules.  The dashboard was served as written, "tỉnh Long An" and Long
# An's Decision 30/2019 whatever onestop_province said; the pages'
# footer and the questions' page cited Long An's decision for any
# province.  Without onestop_regulation another province's pages say "a
# decision of its People's Committee", never Long An's number.

use v5.36;
use utf8;

use lib 't/lib';

use Encode qw(decode encode);
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', '');
my $fb = "location /hoi-dap { onestop_feedback html; }\n";

sub pages () {
    return map { decode('UTF-8', $t->get($_)->{content} // '') }
        '/', '/tra-cuu', '/hoi-dap';
}

sub conf ($http) {
    $t->write_standard_conf(serve => [qw(dashboard lookup_page)],
        server => $fb, http => encode('UTF-8', $http));
}

# Long An, as shipped
conf('');
ok($t->start, 'nginx starts') or BAIL_OUT($t->error_log);
my ($dash, $lookup, $hoidap) = pages();
like($dash, qr/Công khai theo Điều 11 Quy định ban hành kèm theo Quyết định số 30\/2019\/QĐ-UBND ngày 09\/7\/2019 của UBND tỉnh Long An/,
    'the dashboard: Long An and its decision');
like($dash, qr/<title>Thống kê giải quyết hồ sơ thủ tục hành chính – tỉnh Long An<\/title>/,
    'its title');
like($lookup, qr/ban hành kèm theo Quyết định số 30\/2019\/QĐ-UBND ngày 09\/7\/2019 của UBND tỉnh Long An\./,
    "the pages' footer");
like($hoidap, qr/\(Điều 13 Quy định ban hành kèm theo Quyết định số 30\/2019\/QĐ-UBND ngày 09\/7\/2019\)/,
    "the questions' page");
# Decision 30/2019 issues a "Quy định" (its Điều 1), not a "Quy chế"
for my $p ([dashboard => $dash], [lookup => $lookup], [questions => $hoidap]) {
    unlike($p->[1], qr/Quy chế/, "$p->[0]: the rules are not called a Quy chế");
}
like($dash, qr/\(Điều 14 Quy định\)/, 'the dashboard: the rates by Điều 14 of the Quy định');
# the on-time rate's note says what its denominator leaves out (rules.md 6)
like($dash, qr/không quy định thời hạn giải quyết[^<]*không tính vào tỷ lệ này/,
    'the dashboard: dossiers without a deadline are not in the on-time rate');

# Long An named, without its act: Long An's
conf(qq{onestop_province "Tỉnh Long An";\n});
ok($t->reload, 'reload: onestop_province "Tỉnh Long An"');
like((pages())[1], qr/kèm theo Quyết định số 30\/2019\/QĐ-UBND ngày 09\/7\/2019 của UBND tỉnh Long An\./,
    "Long An named: its decision");

# another province, without its act
conf(qq{onestop_province "Tỉnh Kiến Tường";\n});
ok($t->reload, 'reload: onestop_province "Tỉnh Kiến Tường"');
for my $p ([dashboard => 0], [lookup => 1], [questions => 2]) {
    my $page = (pages())[$p->[1]];
    like($page, qr/Kiến Tường/, "$p->[0]: names Kiến Tường")
        if $p->[0] ne 'questions';
    unlike($page, qr/Long An|30\/2019/, "$p->[0]: neither Long An nor its decision");
}
like((pages())[0], qr/Công khai theo Điều 11 Quy định ban hành kèm theo quyết định của UBND tỉnh Kiến Tường/,
    'the dashboard: a decision of its committee');

# and with it
conf(qq{onestop_province "Tỉnh Kiến Tường";\n}
    . qq{onestop_regulation "Quyết định số 12/2020/QĐ-UBND ngày 01/3/2020";\n});
ok($t->reload, 'reload: onestop_regulation');
($dash, $lookup, $hoidap) = pages();
like($dash, qr/kèm theo Quyết định số 12\/2020\/QĐ-UBND ngày 01\/3\/2020 của UBND tỉnh Kiến Tường/,
    'the dashboard cites it');
like($lookup, qr/kèm theo Quyết định số 12\/2020\/QĐ-UBND ngày 01\/3\/2020 của UBND tỉnh Kiến Tường\./,
    'the footer too');
like($hoidap, qr/\(Điều 13 Quy định ban hành kèm theo Quyết định số 12\/2020\/QĐ-UBND ngày 01\/3\/2020\)/,
    "and the questions' page");

$t->check_log;
$t->stop;

done_testing;
