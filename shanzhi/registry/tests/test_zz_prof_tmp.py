import cProfile, pstats, time, os
from shanzhi.registry.importing import run_import
from shanzhi.registry.tests.importing_helpers import write_csv, make_id, GRID_A, GRID_B

def test_prof(world, tmp_path, settings):
    settings.SHANZHI_JOBS_DIR = tmp_path
    header = ["姓名","证件号码","性别","出生日期","民族","联系电话","人口类别","现住址","职业","政治面貌","所属网格编码","经度","纬度","坐标系","备注"]
    rows=[]
    import random
    r = random.Random(1)
    for i in range(20000):
        n = make_id(i)
        g = "男" if int(n[16])%2 else "女"
        b = f"{n[6:10]}-{n[10:12]}-{n[12:14]}"
        where = [GRID_A,"","",""] if i%2 else ["", "117.13", "34.65", "GCJ-02"]
        rows.append(["王"+chr(0x4e00+r.randrange(3000))+chr(0x4e00+r.randrange(3000)), n, g, b, "汉族", f"138{i:08d}", "户籍人口", "薛城区某村", "农民", "群众", *where, "x"])
    p = write_csv(tmp_path/"p.csv", header, rows)
    t=time.perf_counter()
    prof = os.environ.get("PROF")
    if prof:
        pr = cProfile.Profile(); pr.enable()
    r = run_import(kind="persons", path=p, actor=None, commit=True)
    if prof: pr.disable()
    print("elapsed", time.perf_counter()-t, r.created, r.error_count, r.errors[:3])
    if prof: pstats.Stats(pr).sort_stats("tottime").print_stats(25)
